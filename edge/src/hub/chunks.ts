/**
 * @module
 * Stores a chunk of predictions a node uploaded: each prediction gets its overall score and tier from
 * the shared `postfilter` applied to the student's own scores and categories (never an oracle's), rows
 * keep the student's categories, uncalibrated scores and interval scale for reports and exports, and go in with one `INSERT … SELECT … FROM json_each(?)` statement, and the
 * chunk is marked in `prediction_chunks` in the same batch (one transaction). Uploading a chunk again
 * stores nothing new: predictions are keyed by (job, article) and the chunk by (job, shard, index).
 */
import { DistilleryError, type FilterPackage, type Prediction, postfilter } from "@distillery/shared";
import { and, eq } from "drizzle-orm";
import { database } from "../db/client";
import { predictionChunks } from "../db/schema";
import type { Env } from "../env";

/** What storing predictions of one job needs, loaded once per job by the hub. */
export type PredictionTarget = {
  jobId: string;
  modelId: string;
  filter: FilterPackage;
};

const INSERT_PREDICTIONS = `INSERT OR IGNORE INTO predictions
  (job_id, article_id, model_id, filter, filter_version, scores, reasons, categories, uncalibrated_scores,
   overall, tier, parse_status, interval_low, interval_high, overall_scale)
  SELECT ?1, json_extract(value, '$.a'), ?2, ?3, ?4, json_extract(value, '$.s'), json_extract(value, '$.r'),
    json_extract(value, '$.c'), json_extract(value, '$.u'),
    json_extract(value, '$.o'), json_extract(value, '$.t'), json_extract(value, '$.p'),
    json_extract(value, '$.lo'), json_extract(value, '$.hi'), json_extract(value, '$.k')
  FROM json_each(?5)`;

const INSERT_CHUNK =
  "INSERT OR IGNORE INTO prediction_chunks (job_id, shard, chunk_index, count) VALUES (?1, ?2, ?3, ?4)";

/** Stores a chunk; returns false when it had been stored before (a duplicate upload). */
export async function storeChunk(
  env: Env,
  target: PredictionTarget,
  chunk: { shard: number; chunk_index: number; predictions: Prediction[] },
): Promise<boolean> {
  const rows = chunk.predictions.map((p) => {
    let overall: number | null = null;
    let tier: string | null = null;
    try {
      ({ overall, tier } = postfilter(target.filter, p.scores, p.categories));
    } catch (error) {
      // A prediction missing a dimension is stored with its scores but no overall/tier (parse_status says
      // why); anything else is a fault of ours, never hidden as an unscored row.
      if (!(error instanceof DistilleryError && error.code === "scores.missing_dimension")) throw error;
    }
    return {
      a: p.article_id,
      s: p.scores,
      r: p.reasons ?? null,
      c: p.categories ?? null,
      u: p.uncalibrated_scores ?? null,
      o: overall,
      t: tier,
      p: p.parse_status ?? (overall === null ? "invalid" : null),
      lo: p.overall_interval?.[0] ?? null,
      hi: p.overall_interval?.[1] ?? null,
      k: p.overall_scale ?? null,
    };
  });
  const [, marked] = await env.DB.batch([
    env.DB.prepare(INSERT_PREDICTIONS).bind(
      target.jobId,
      target.modelId,
      target.filter.name,
      target.filter.version,
      JSON.stringify(rows),
    ),
    env.DB.prepare(INSERT_CHUNK).bind(target.jobId, chunk.shard, chunk.chunk_index, chunk.predictions.length),
  ]);
  return marked?.meta.changes === 1;
}

/** Indexes of the chunks of a shard already stored: sent with an offer so the node skips them. */
export async function storedChunks(env: Env, jobId: string, shard: number): Promise<number[]> {
  const rows = await database(env.DB)
    .select({ index: predictionChunks.chunk_index })
    .from(predictionChunks)
    .where(and(eq(predictionChunks.job_id, jobId), eq(predictionChunks.shard, shard)))
    .all();
  return rows.map((r) => r.index).sort((a, b) => a - b);
}
