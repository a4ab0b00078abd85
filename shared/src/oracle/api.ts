/**
 * @module
 * Shapes of the oracle stage that cross the API: the estimate an oracle job computes before
 * spending (and a dry run returns), its result counts, the budget change that resumes a paused job,
 * spend reports, and the calibration request and report.
 */
import { z } from "zod";
import { slugSchema } from "../schemas/common";
import { oracleProviderSchema, thinkingSchema } from "./models";

export const oracleEstimateSchema = z.object({
  /** Articles the selection named. */
  selected: z.number().int().min(0),
  /** Blocked by the filter's prefilter: never sent, never paid. */
  blocked_by_prefilter: z.number().int().min(0).default(0),
  /** Already labelled with this filter version and prompt hash: skipped, never paid again. */
  already_labelled: z.number().int().min(0),
  to_label: z.number().int().min(0),
  input_tokens: z.number().int().min(0),
  /** Of `input_tokens`, the repeated prompt prefix expected to be served from Gemini's cache. */
  cached_tokens: z.number().int().min(0),
  /** Answer and planned thinking tokens (thinking is billed as output). */
  output_tokens: z.number().int().min(0),
  /** Of `output_tokens`, the thinking the setting is planned to use (a budget at its ceiling). */
  thinking_tokens: z.number().int().min(0).default(0),
  usd: z.number().min(0),
  /** Minutes at the configured quota (requests and tokens per minute); batch mode: Google's turnaround. */
  minutes: z.number().min(0),
  provider: oracleProviderSchema.default("gemini"),
  model: z.string(),
  /** The thinking setting sent (null: none). */
  thinking: thinkingSchema.nullable().default(null),
  mode: z.enum(["interactive", "batch"]),
  prompt_hash: z.string(),
});
export type OracleEstimate = z.infer<typeof oracleEstimateSchema>;

/** What an oracle job reports when it ends (and, so far, while it runs). */
export const oracleJobResultSchema = z.object({
  estimate: oracleEstimateSchema,
  budget_usd: z.number(),
  spent_usd: z.number().min(0),
  labelled: z.number().int().min(0),
  skipped: z.number().int().min(0),
  failed: z.number().int().min(0),
  failed_by_reason: z.record(z.string(), z.number().int()),
  /** Skips by reason: `already_labelled`, or `prefilter:<rule>`. */
  skipped_by_reason: z.record(z.string(), z.number().int()).default({}),
  /** Of `skipped`, blocked by the prefilter. */
  blocked_by_prefilter: z.number().int().min(0).default(0),
  pending: z.number().int().min(0),
  /** Billed output tokens so far, and of them the thinking tokens. */
  output_tokens: z.number().int().min(0).default(0),
  thinking_tokens: z.number().int().min(0).default(0),
  /** Answers cut at the output limit (billed, never stored; each retried once with twice the limit). */
  truncated_answers: z.number().int().min(0).default(0),
  /** Set when no key is configured for the job's provider and the local stand-in answered. */
  banner: z.string().optional(),
  paused_reason: z.string().optional(),
});
export type OracleJobResult = z.infer<typeof oracleJobResultSchema>;

export const jobPatchRequestSchema = z.strictObject({
  /** A new budget cap for an oracle job; raising it resumes a job paused at its cap. */
  budget_usd: z.number().gt(0),
});

export const spendQuerySchema = z.strictObject({
  since: z.string().optional(),
  until: z.string().optional(),
  filter: slugSchema.optional(),
});

export const spendRowSchema = z.object({
  day: z.string(),
  filter: z.string(),
  provider: oracleProviderSchema.default("gemini"),
  model: z.string(),
  calls: z.number().int(),
  input_tokens: z.number().int(),
  cached_tokens: z.number().int(),
  output_tokens: z.number().int(),
  /** Of `output_tokens`, thinking tokens (billed at the output price). */
  thinking_tokens: z.number().int().default(0),
  usd: z.number(),
});
export const spendReportSchema = z.object({
  rows: z.array(spendRowSchema),
  total_usd: z.number(),
  /** `ORACLE_DAILY_BUDGET_USD`: what a day's spend is shown against (e.g. the bot's `/status`). */
  budget_usd_per_day: z.number().optional(),
});
export type SpendReport = z.infer<typeof spendReportSchema>;

/** One side of a calibration: the labels of one model, or of one prompt hash. */
export const labelingRefSchema = z
  .strictObject({ model: z.string().min(1).optional(), prompt_hash: z.string().min(1).optional() })
  .refine((ref) => ref.model !== undefined || ref.prompt_hash !== undefined, {
    message: "name a model or a prompt_hash",
  });

export const calibrationRequestSchema = z.strictObject({
  filter: slugSchema,
  filter_version: z.number().int().min(1).optional(),
  a: labelingRefSchema,
  b: labelingRefSchema,
});

export const calibrationReportSchema = z.object({
  /** Articles labelled by both sides. */
  articles: z.number().int().min(0),
  per_dimension: z.record(
    z.string(),
    z.object({ mae: z.number(), spearman: z.number().nullable(), mean_a: z.number(), mean_b: z.number() }),
  ),
  dimension_mae: z.number(),
  overall_mae: z.number(),
  tier_agreement: z.number(),
  tiers: z.object({ a: z.record(z.string(), z.number().int()), b: z.record(z.string(), z.number().int()) }),
  warnings: z.array(z.string()),
});
export type CalibrationReport = z.infer<typeof calibrationReportSchema>;

export const datasetCreateRequestSchema = z.strictObject({
  filter: slugSchema,
  filter_version: z.number().int().min(1).optional(),
  seed: z.number().int().default(42),
  /**
   * Only this oracle's labels (e.g. after a bake-off chose another oracle). Unset: the newest label of
   * each article, whichever oracle gave it.
   */
  oracle: z
    .strictObject({ provider: oracleProviderSchema.default("gemini"), model: z.string().min(1) })
    .optional(),
});

export type DatasetCreateRequest = z.infer<typeof datasetCreateRequestSchema>;

export const datasetRowsQuerySchema = z.strictObject({
  split: z.enum(["train", "validation", "test"]).optional(),
});
