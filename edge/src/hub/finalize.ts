/**
 * @module
 * What happens when every shard of a GPU job has succeeded, reading only the typed node results
 * (`results.ts`): a train job registers its student model (after checking the uploaded artifact's
 * checksum in R2) with the kind, base model and backend the trainer reported, and keeps the whole train
 * result (curve, out-of-fold validation, calibration, missing reasons) in the model's `metrics.train`;
 * an eval job turns the stored predictions (the student's own scores, categories, uncalibrated scores
 * and interval scales), the lexical baseline and conformal calibration the node sent, the model's train
 * result and the dataset's train and test labels into the shared eval report (`buildEvalReport`, stored
 * where `GET /v1/jobs/{id}/report` reads it), saying why anything it lacks is absent; an infer job
 * reports how many predictions it stored and how many fell in each tier (`tier_counts`), and a cascade
 * scoring job sends its doubtful predictions to the oracle (`startCascade`, see cascade.ts). Returns the
 * job's result, validated with `jobResultSchemas[kind]`.
 */
import {
  buildEvalReport,
  type DatasetRow,
  DistilleryError,
  datasetRowSchema,
  type EvalJobResult,
  evalJobResultSchema,
  type InferJobResult,
  inferJobResultSchema,
  type JobSpec,
  metricsSchema,
  type NodeEvalResult,
  type NodeTrainResult,
  nodeTrainResultSchema,
  type Prediction,
  predictionSchema,
  type SplitName,
  type TrainJobResult,
  trainJobResultSchema,
} from "@distillery/shared";
import { eq, sql } from "drizzle-orm";
import { z } from "zod";
import { database } from "../db/client";
import { predictionChunks, predictions, studentModels } from "../db/schema";
import type { Env } from "../env";
import { loadFilter } from "../filters/store";
import { evalReportKey } from "../jobs/reports";
import { datasetRowsKey } from "../oracle/datasets";
import { startCascade } from "./cascade";
import { loadDataset, loadModel, modelIdForTrainJob } from "./context";
import { parseNodeResult } from "./results";
import { tierCounts } from "./tiers";

export const artifactKey = (modelId: string) => `models/${modelId}/adapter.tar.gz`;

/**
 * What a model row's `metrics` holds: the trainer's typed result (less the artifact, which has its own
 * columns) and the figures of its latest evaluation. Rows written before results were typed have no
 * `train`; their reports say so.
 */
export const modelMetricsSchema = z
  .object({
    train: nodeTrainResultSchema.omit({ artifact: true }).optional(),
    eval: metricsSchema.optional(),
    eval_job_id: z.string().optional(),
  })
  .passthrough();
export type ModelMetrics = z.infer<typeof modelMetricsSchema>;

export async function finalizeJob(
  env: Env,
  job: { id: string; spec: JobSpec },
  results: unknown[],
): Promise<TrainJobResult | EvalJobResult | InferJobResult> {
  const { spec } = job;
  if (spec.kind === "train")
    return registerModel(env, job.id, spec.dataset_id, parseNodeResult("train", results[0]));
  if (spec.kind === "eval") return evalReport(env, job.id, spec, parseNodeResult("eval", results[0]));
  if (spec.kind !== "infer")
    throw new DistilleryError("job.not_gpu", `${spec.kind} jobs do not run on GPU nodes`);
  for (const result of results) parseNodeResult("infer", result);
  const stored = await database(env.DB)
    .select({
      chunks: sql<number>`count(*)`,
      predictions: sql<number>`coalesce(sum(${predictionChunks.count}), 0)`,
    })
    .from(predictionChunks)
    .where(eq(predictionChunks.job_id, job.id))
    .get();
  const model = await loadModel(env, spec.model_id);
  const filter = await loadFilter(env, model.filter, model.filter_version);
  const result: InferJobResult = {
    predictions: stored?.predictions ?? 0,
    chunks: stored?.chunks ?? 0,
    shards: results.length,
    tier_counts: await tierCounts(env, job.id, filter),
  };
  if (spec.cascade) result.cascade = await startCascade(env, { id: job.id, spec }, filter);
  return inferJobResultSchema.parse(result);
}

async function registerModel(
  env: Env,
  jobId: string,
  datasetId: string,
  result: NodeTrainResult,
): Promise<TrainJobResult> {
  const modelId = modelIdForTrainJob(jobId);
  const { artifact, ...trained } = result;
  const object = await env.BUCKET.head(artifactKey(modelId));
  if (!object || object.customMetadata?.sha256 !== artifact.sha256) {
    throw new DistilleryError(
      "artifact.missing",
      `model ${modelId}: the node reported artifact ${artifact.sha256} but R2 holds ${object?.customMetadata?.sha256 ?? "nothing"}`,
      { status: 409 },
    );
  }
  const dataset = await loadDataset(env, datasetId);
  const metrics: ModelMetrics = { train: trained };
  await database(env.DB)
    .insert(studentModels)
    .values({
      id: modelId,
      filter: dataset.filter,
      filter_version: dataset.filter_version,
      dataset_id: dataset.id,
      job_id: jobId,
      kind: trained.kind,
      base_model: trained.base_model,
      backend: trained.backend,
      metrics,
      artifact_key: artifactKey(modelId),
      artifact_sha256: artifact.sha256,
      artifact_bytes: object.size,
    })
    .onConflictDoNothing()
    .run();
  return trainJobResultSchema.parse({ ...trained, model_id: modelId, artifact_sha256: artifact.sha256 });
}

/** A split's rows, stored by the dataset builder as JSONL in R2 (`datasetRowsKey`). */
async function splitRows(env: Env, datasetId: string, split: SplitName): Promise<DatasetRow[]> {
  const object = await env.BUCKET.get(datasetRowsKey(datasetId, split));
  if (!object)
    throw new DistilleryError("dataset.no_rows", `dataset ${datasetId} has no ${split} rows in R2`);
  return (await object.text())
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => datasetRowSchema.parse(JSON.parse(line)));
}

/** The student's stored predictions of a job, as the node sent them (scores, its own categories…). */
async function storedPredictions(env: Env, jobId: string): Promise<Map<string, Prediction>> {
  const rows = await database(env.DB)
    .select({
      article_id: predictions.article_id,
      scores: predictions.scores,
      categories: predictions.categories,
      uncalibrated_scores: predictions.uncalibrated_scores,
      overall_scale: predictions.overall_scale,
      interval_low: predictions.interval_low,
      interval_high: predictions.interval_high,
    })
    .from(predictions)
    .where(eq(predictions.job_id, jobId))
    .all();
  return new Map(
    rows.map((row) => [
      row.article_id,
      predictionSchema.parse({
        article_id: row.article_id,
        scores: row.scores,
        categories: row.categories ?? undefined,
        uncalibrated_scores: row.uncalibrated_scores ?? undefined,
        overall_scale: row.overall_scale ?? undefined,
        overall_interval:
          row.interval_low === null || row.interval_high === null
            ? undefined
            : [row.interval_low, row.interval_high],
      }),
    ]),
  );
}

async function evalReport(
  env: Env,
  jobId: string,
  spec: Extract<JobSpec, { kind: "eval" }>,
  result: NodeEvalResult,
): Promise<EvalJobResult> {
  const model = await loadModel(env, spec.model_id);
  const dataset = await loadDataset(env, spec.dataset_id ?? model.dataset_id);
  const filter = await loadFilter(env, dataset.filter, dataset.filter_version);
  const student = await storedPredictions(env, jobId);
  const test = await splitRows(env, dataset.id, "test");
  const unpredicted = test.filter((row) => !student.has(row.article_id));
  if (unpredicted.length > 0) {
    // Scoring only the articles the student answered would flatter it: the job fails instead.
    throw new DistilleryError(
      "eval.predictions_missing",
      `eval job ${jobId}: ${unpredicted.length} of ${test.length} test articles have no student prediction (first: ${unpredicted[0]!.article_id})`,
    );
  }
  const train = await splitRows(env, dataset.id, "train");
  const stored = modelMetricsSchema.safeParse(model.metrics ?? {});
  const trained = stored.success ? stored.data.train : undefined;
  const untrained = `model ${model.id} was registered without a typed train result (trained before result schemas): retrain it`;
  const report = buildEvalReport({
    filter,
    train,
    test,
    student,
    lexical: result.lexical_baseline ? new Map(result.lexical_baseline.map((p) => [p.article_id, p])) : null,
    conformal: result.conformal,
    model: { id: model.id, kind: model.kind, base_model: model.base_model, backend: model.backend },
    training: trained
      ? { curve: trained.training_curve, validation: trained.validation, missing: trained.missing }
      : {
          curve: null,
          validation: null,
          missing: { training_curve: untrained, validation: untrained, calibration: untrained },
        },
    // Python's reasons for what its eval result lacks (`lexical_baseline`, `conformal`…).
    missing: result.missing,
  });
  const reportKey = evalReportKey(jobId);
  await env.BUCKET.put(reportKey, JSON.stringify(report), {
    httpMetadata: { contentType: "application/json" },
  });
  const metrics: ModelMetrics = {
    ...(stored.success ? stored.data : {}),
    eval: report.metrics,
    eval_job_id: jobId,
  };
  await database(env.DB).update(studentModels).set({ metrics }).where(eq(studentModels.id, model.id)).run();
  return evalJobResultSchema.parse({
    model_id: model.id,
    report_key: reportKey,
    n_test: report.n_test,
    metrics: report.metrics,
    verdict: report.verdict,
  });
}
