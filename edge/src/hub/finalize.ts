/**
 * @module
 * What happens when every shard of a GPU job has succeeded: a train job registers its student model
 * (after checking the uploaded artifact's checksum in R2), an eval job turns the stored predictions and
 * the dataset's test labels into an eval report (metrics through the shared `computeMetrics`, with the
 * constant baseline), an infer job reports how many predictions it stored. Returns the job's result.
 */
import {
  computeMetrics,
  type DatasetRow,
  DistilleryError,
  datasetRowSchema,
  type EvalReport,
  type JobSpec,
  metricsByLanguage,
  QUALITY_BAR,
  type ScoredPair,
  type SplitName,
  tierConfusion,
} from "@distillery/shared";
import { eq, sql } from "drizzle-orm";
import { database } from "../db/client";
import { predictionChunks, predictions, studentModels } from "../db/schema";
import type { Env } from "../env";
import { datasetRowsKey } from "../oracle/datasets";
import { loadDataset, loadFilter, loadModel, modelIdForTrainJob } from "./context";

export const artifactKey = (modelId: string) => `models/${modelId}/adapter.tar.gz`;

type ShardResult = Record<string, unknown>;

export async function finalizeJob(
  env: Env,
  job: { id: string; spec: JobSpec },
  results: ShardResult[],
): Promise<Record<string, unknown>> {
  const { spec } = job;
  if (spec.kind === "train") return registerModel(env, job.id, spec.dataset_id, results[0] ?? {});
  if (spec.kind === "eval") return evalReport(env, job.id, spec);
  const stored = await database(env.DB)
    .select({
      chunks: sql<number>`count(*)`,
      predictions: sql<number>`coalesce(sum(${predictionChunks.count}), 0)`,
    })
    .from(predictionChunks)
    .where(eq(predictionChunks.job_id, job.id))
    .get();
  return { predictions: stored?.predictions ?? 0, chunks: stored?.chunks ?? 0, shards: results.length };
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
      kind: String(result.kind ?? "regression"),
      base_model: String(result.base_model ?? "unknown"),
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

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length === 0 ? 0 : sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

async function evalReport(env: Env, jobId: string, spec: Extract<JobSpec, { kind: "eval" }>) {
  const model = await loadModel(env, spec.model_id);
  const dataset = await loadDataset(env, spec.dataset_id ?? model.dataset_id);
  const filter = await loadFilter(env, dataset.filter, dataset.filter_version);
  const rows = [
    ...(await splitRows(env, dataset.id, "test")),
    ...(await splitRows(env, dataset.id, "train")),
  ];
  const stored = await database(env.DB)
    .select({ article_id: predictions.article_id, scores: predictions.scores })
    .from(predictions)
    .where(eq(predictions.job_id, jobId))
    .all();
  const student = new Map(stored.map((p) => [p.article_id, p.scores as Record<string, number>]));
  const test = rows.filter((row) => row.split === "test" && student.has(row.article_id));
  const pairs: ScoredPair[] = test.map((row) => ({
    oracle: row.scores,
    student: student.get(row.article_id)!,
    categories: row.categories,
    language: row.language,
  }));
  const train = rows.filter((row) => row.split === "train");
  const constant = Object.fromEntries(
    filter.dimensions.map((d) => [d.key, median(train.map((row) => row.scores[d.key] ?? 0))]),
  );
  const metrics = computeMetrics(filter, pairs);
  const constantMetrics = computeMetrics(
    filter,
    test.map((row) => ({ oracle: row.scores, student: constant, categories: row.categories })),
  );
  const qualityBar = Object.fromEntries(
    Object.entries(QUALITY_BAR).map(([key, bar]) => {
      const value = metrics[key as keyof typeof QUALITY_BAR];
      return [
        key,
        { value, target: bar.target, pass: bar.higher_is_better ? value >= bar.target : value <= bar.target },
      ];
    }),
  );
  const verdict: string[] = [];
  if (metrics.dimension_mae >= constantMetrics.dimension_mae) {
    verdict.push("The student does not beat the constant baseline on dimension MAE.");
  }
  const curve = ((model.metrics as Record<string, unknown> | null)?.training_curve ??
    []) as EvalReport["training_curve"];
  const report: EvalReport = {
    filter: filter.name,
    filter_version: filter.version,
    model: { id: model.id, kind: model.kind, base_model: model.base_model, backend: model.backend },
    n_test: pairs.length,
    metrics,
    baselines: { constant: constantMetrics, lexical: null },
    per_language: metricsByLanguage(filter, pairs),
    tier_confusion: tierConfusion(filter, pairs),
    quality_bar: qualityBar,
    verdict,
    training_curve: curve,
    cascade: [],
    scatter: [],
    created_at: new Date().toISOString(),
  };
  const reportKey = `models/${model.id}/eval/${jobId}.json`;
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
  return { model_id: model.id, report_key: reportKey, n_test: pairs.length, metrics };
}
