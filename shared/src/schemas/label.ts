/**
 * @module
 * Oracle labels. A label is keyed by (article, filter name + version, prompt hash): the same key is
 * never paid for twice. It records what the call cost so spend can be reported by day, filter and model.
 */
import { z } from "zod";
import { oracleProviderSchema } from "../oracle/models";
import { idSchema, scoreSchema, slugSchema, timestampSchema, tokenUsageSchema } from "./common";

export const dimensionScoreSchema = z.object({
  score: scoreSchema,
  reason: z.string().default(""),
});
export type DimensionScore = z.infer<typeof dimensionScoreSchema>;

export const oracleModeSchema = z.enum(["interactive", "batch", "import"]);
export type OracleMode = z.infer<typeof oracleModeSchema>;

/**
 * How an article was chosen for labelling: `random` (a random or stratified sample, every article, or the
 * random share of an active job), `uncertain` (where a student was least sure), `named` (ids or a query),
 * `audit` (a drift audit's sample), `unknown` (labels older than this record, or imported). Test splits
 * are drawn from `random` labels only: a test set chosen by a student's doubt measures nothing general.
 */
export const labelSelectionSchema = z.enum(["random", "uncertain", "named", "audit", "unknown"]);
export type LabelSelection = z.infer<typeof labelSelectionSchema>;

export const oracleLabelSchema = z.object({
  article_id: idSchema,
  filter: slugSchema,
  filter_version: z.number().int().min(1),
  prompt_hash: z.string().min(1),
  provider: oracleProviderSchema.default("gemini"),
  model: z.string().min(1),
  mode: oracleModeSchema,
  scores: z.record(slugSchema, dimensionScoreSchema),
  /** Categorical fields the filter asks for, e.g. `{ content_type: "press_release" }`. */
  categories: z.record(slugSchema, slugSchema).default({}),
  tokens: tokenUsageSchema,
  cost_usd: z.number().min(0),
  latency_ms: z.number().min(0),
  attempts: z.number().int().min(0),
  /** How the article was chosen for labelling. */
  selection: labelSelectionSchema.default("unknown"),
  created_at: timestampSchema,
});
export type OracleLabel = z.infer<typeof oracleLabelSchema>;

/**
 * One line of a labels NDJSON file (`distillery import labels --out`), self-contained so it can be
 * trained on without a server: the article text travels with its label.
 */
export const labelRecordSchema = z.object({
  article: z.object({
    id: idSchema,
    url: z.string().default(""),
    title: z.string(),
    body: z.string(),
    language: z.string().default("und"),
    source: z.string().default("unknown"),
    published_at: z.string().nullable().default(null),
  }),
  label: oracleLabelSchema,
});
export type LabelRecord = z.infer<typeof labelRecordSchema>;
