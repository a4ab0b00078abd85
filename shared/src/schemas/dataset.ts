/**
 * @module
 * Datasets: an immutable, versioned 80/10/10 split of a filter version's labels, with the validation
 * report the builder writes. Each JSONL row carries the text and the oracle's scores, so the Python
 * trainer needs nothing else.
 */
import { z } from "zod";
import { idSchema, scoreSchema, slugSchema, timestampSchema } from "./common";

export const splitNameSchema = z.enum(["train", "validation", "test"]);
export type SplitName = z.infer<typeof splitNameSchema>;

export const datasetRowSchema = z.object({
  article_id: idSchema,
  split: splitNameSchema,
  title: z.string(),
  body: z.string(),
  language: z.string(),
  source: z.string(),
  url: z.string().default(""),
  scores: z.record(slugSchema, scoreSchema),
  reasons: z.record(slugSchema, z.string()).default({}),
  categories: z.record(slugSchema, slugSchema).default({}),
  overall: scoreSchema,
  tier: slugSchema,
});
export type DatasetRow = z.infer<typeof datasetRowSchema>;

export const dimensionStatsSchema = z.object({
  min: z.number(),
  max: z.number(),
  mean: z.number(),
  variance: z.number(),
});

export const datasetReportSchema = z.object({
  total: z.number().int(),
  splits: z.record(splitNameSchema, z.number().int()),
  stratified_by: z.enum(["tier", "score_bin"]),
  near_duplicates_removed: z.number().int(),
  empty_texts: z.number().int(),
  dimensions: z.record(slugSchema, dimensionStatsSchema),
  tiers: z.record(slugSchema, z.number().int()),
  languages: z.record(z.string(), z.number().int()),
  /** Test labels by how they were selected (`random`, `unknown`); reports from before this was kept have none. */
  test_by_selection: z.record(z.string(), z.number().int()).optional(),
  warnings: z.array(z.string()),
});
export type DatasetReport = z.infer<typeof datasetReportSchema>;

export const datasetSchema = z.object({
  id: idSchema,
  filter: slugSchema,
  filter_version: z.number().int().min(1),
  seed: z.number().int(),
  report: datasetReportSchema,
  content_hash: z.string(),
  created_at: timestampSchema,
});
export type Dataset = z.infer<typeof datasetSchema>;
