/**
 * @module
 * What happens when every shard of a GPU job has succeeded: a train job registers its student model
 * (after checking the uploaded artifact's checksum in R2), an eval job turns the stored predictions and
 * the dataset's test labels into the shared eval report (`buildEvalReport`: metrics, baselines, quality
 * bar, verdict, scatter, cascade curve when the model carries conformal scores; stored where
 * `GET /v1/jobs/{id}/report` reads it), an infer job reports how many
 * predictions it stored and how many fell in each tier (`tier_counts`), and a cascade scoring job sends
 * its doubtful predictions to the oracle (`startCascade`, see cascade.ts). Returns the job's result.
 */
import {
  buildEvalReport,
  type DatasetRow,
  DistilleryError,
  datasetRowSchema,
  evalReportSchema,
  type FilterPackage,
  type JobSpec,
  type SplitName,
} from "@distillery/shared";
import { eq, sql } from "drizzle-orm";
import { z } from "zod";
import { database } from "../db/client";
import { predictionChunks, predictions, studentModels } from "../db/schema";
import type { Env } from "../env";
import { evalReportKey } from "../jobs/reports";
import { datasetRowsKey } from "../oracle/datasets";
import { startCascade } from "./cascade";
import { loadDataset, loadFilter, loadModel, modelIdForTrainJob } from "./context";

export const artifactKey = (modelId: string) => `models/${modelId}/adapter.tar.gz`;

type ShardResult = Record<string, unknown>;

const trainingCurveSchema = evalReportSchema.shape.training_curve;
/** What a model's eval result carries for conformal intervals (the probe writes it). */
const conformalSchema = z.object({ scores: z.array(z.number()).min(1) });

export async function finalizeJob(
  env: Env,
  job: { id: string; spec: JobSpec },
  results: ShardResult[],
): Promise<Record<string, unknown>> {
  const { spec } = job;
  if (spec.kind === "train") return registerModel(env, job.id, spec.dataset_id, results[0] ?? {});
  if (spec.kind === "eval") return evalReport(env, job.id, spec, results[0] ?? {});
  if (spec.kind !== "infer")
    throw new DistilleryError("job.not_gpu", `${spec.kind} jobs do not run on GPU nodes`);
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
  const result = {
    predictions: stored?.predictions ?? 0,
    chunks: stored?.chunks ?? 0,
    shards: results.length,
    tier_counts: await tierCounts(env, job.id, filter),
  };
  if (!spec.cascade) return result;
  return { ...result, cascade: await startCascade(env, { id: job.id, spec }, filter) };
}

/** How many of a job's predictions fall in each tier: every tier of the filter, best first, zeros included; predictions without a tier come last. */
export async function tierCounts(
  env: Env,
  jobId: string,
  filter: Pick<FilterPackage, "tiers">,
): Promise<Record<string, number>> {
  const tiers = await database(env.DB)
    .select({ tier: predictions.tier, count: sql<number>`count(*)` })
    .from(predictions)
    .where(eq(predictions.job_id, jobId))
    .groupBy(predictions.tier)
    .all();
  const counts: Record<string, number> = Object.fromEntries(filter.tiers.map((t) => [t.key, 0]));
  for (const t of tiers) counts[t.tier ?? "unscored"] = t.count;
  return counts;
}

async function registerModel(env: Env, jobId: string, datasetId: string, result: ShardResult) {
  const modelId = modelIdForTrainJob(jobId);
  const artifact = result.artifact as { sha256?: string; bytes?: number } | undefined;
  const object = await env.BUCKET.head(artifactKey(modelId));
  if (!object || !artifact?.sha256 || object.customMetadata?.sha256 !== artifact.sha256) {
    throw new DistilleryError(
      "artifact.missing",
      `model ${modelId}: the node reported artifact ${artifact?.sha256 ?? "(none)"} but R2 holds ${object?.customMetadata?.sha256 ?? "nothing"}`,
      { status: 409 },
    );
  }
  const dataset = await loadDataset(env, datasetId);
  const { artifact: _artifact, ...metrics } = result;
  await database(env.DB)
    .insert(studentModels)
    .values({
      id: modelId,
      filter: dataset.filter,
      filter_version: dataset.filter_version,
      dataset_id: dataset.id,
      job_id: jobId,
      kind: String(result.kind ?? result.head ?? "regression"),
      base_model: String(result.base_model ?? result.encoder ?? "unknown"),
      backend: String(result.backend ?? "unknown"),
      metrics,
      artifact_key: artifactKey(modelId),
      artifact_sha256: artifact.sha256,
      artifact_bytes: object.size,
    })
    .onConflictDoNothing()
    .run();
  return { model_id: modelId, artifact_sha256: artifact.sha256, artifact_bytes: object.size, ...metrics };
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

async function evalReport(
  env: Env,
  jobId: string,
  spec: Extract<JobSpec, { kind: "eval" }>,
  result: ShardResult,
) {
  const model = await loadModel(env, spec.model_id);
  const dataset = await loadDataset(env, spec.dataset_id ?? model.dataset_id);
  const filter = await loadFilter(env, dataset.filter, dataset.filter_version);
  const stored = await database(env.DB)
    .select({ article_id: predictions.article_id, scores: predictions.scores })
    .from(predictions)
    .where(eq(predictions.job_id, jobId))
    .all();
  const student = new Map(stored.map((p) => [p.article_id, p.scores as Record<string, number>]));
  const test = (await splitRows(env, dataset.id, "test")).filter((row) => student.has(row.article_id));
  const train = await splitRows(env, dataset.id, "train");
  // A model without a (valid) curve or conformal calibration gets none in its report, not a failed job.
  const curve = trainingCurveSchema.safeParse(
    (model.metrics as Record<string, unknown> | null)?.training_curve,
  );
  const conformal = conformalSchema.safeParse(result.conformal);
  const report = buildEvalReport({
    filter,
    train,
    test,
    student,
    lexical: null,
    conformalScores: conformal.success ? [...conformal.data.scores].sort((a, b) => a - b) : null,
    model: { id: model.id, kind: model.kind, base_model: model.base_model, backend: model.backend },
    trainingCurve: curve.success ? curve.data : [],
  });
  const { metrics } = report;
  const reportKey = evalReportKey(jobId);
  await env.BUCKET.put(reportKey, JSON.stringify(report), {
    httpMetadata: { contentType: "application/json" },
  });
  await database(env.DB)
    .update(studentModels)
    .set({
      metrics: {
        ...((model.metrics as Record<string, unknown> | null) ?? {}),
        eval: metrics,
        eval_job_id: jobId,
      },
    })
    .where(eq(studentModels.id, model.id))
    .run();
  return {
    model_id: model.id,
    report_key: reportKey,
    n_test: report.n_test,
    metrics,
    verdict: report.verdict,
  };
}
