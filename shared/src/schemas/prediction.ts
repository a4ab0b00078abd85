/**
 * @module
 * Student predictions: what the Python scorer writes per article and the node uploads in chunks.
 * A chunk is idempotent by (job, shard, chunk index): uploading it twice stores it once.
 */
import { z } from "zod";
import { idSchema, slugSchema } from "./common";

export const predictionSchema = z.object({
  article_id: idSchema,
  scores: z.record(slugSchema, z.number()),
  /**
   * The student's own categorical answers (its category heads, or the generative student's JSON). The
   * postfilter of a student's prediction uses these, never the oracle's.
   */
  categories: z.record(slugSchema, slugSchema).optional(),
  /** Scores before the student's isotonic calibration (eval only), so a report can show what calibration did. */
  uncalibrated_scores: z.record(slugSchema, z.number()).optional(),
  reasons: z.record(slugSchema, z.string()).optional(),
  /** For the generative student: whether its JSON parsed and validated. */
  parse_status: z.enum(["ok", "repaired", "invalid"]).optional(),
  /** Conformal interval of the overall score, when the model carries a calibration. */
  overall_interval: z.tuple([z.number(), z.number()]).optional(),
  /**
   * How hard this article is for the student (its predicted error scale, > 0): the conformal interval is
   * `overall ± q · overall_scale`, with `q` from the model's calibration scores at the chosen coverage.
   */
  overall_scale: z.number().gt(0).optional(),
});
export type Prediction = z.infer<typeof predictionSchema>;

export const predictionChunkSchema = z.object({
  job_id: idSchema,
  shard: z.number().int().min(0).default(0),
  chunk_index: z.number().int().min(0),
  predictions: z.array(predictionSchema).min(1).max(10_000),
});
export type PredictionChunk = z.infer<typeof predictionChunkSchema>;

/** One line of a scoring job's input NDJSON: the article text the student reads. */
export const inferInputRowSchema = z.object({
  id: idSchema,
  title: z.string(),
  body: z.string(),
  language: z.string(),
  source: z.string(),
});
export type InferInputRow = z.infer<typeof inferInputRowSchema>;
