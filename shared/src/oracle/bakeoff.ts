/**
 * @module
 * The oracle bake-off: two to four oracles label the same stratified sample, each re-asked on a
 * subset for self-consistency, so a team can compare them before it spends. The job's spec and its
 * report (`Job.result`) live here; `bakeoffReport` computes the report from the answers. Bias (a
 * mean signed difference) and noise (poor self-consistency) are reported apart: an oracle that is
 * one point high everywhere is biased but perfectly consistent, and the cheaper oracle is sometimes
 * the better one.
 */
import { z } from "zod";
import { slugSchema } from "../schemas/common";
import { oracleProviderSchema, thinkingSchema } from "./models";

export const BAKEOFF_MAX_ORACLES = 4;
export const BAKEOFF_MAX_SAMPLE = 2_000;
/** The report lists at most this many disagreements (`disagreements_total` counts them all). */
export const BAKEOFF_MAX_DISAGREEMENTS = 200;

/** One contestant: a provider and model, and optionally its thinking setting (default: the model's cheapest). */
export const bakeoffOracleSchema = z.strictObject({
  provider: oracleProviderSchema,
  model: z.string().min(1),
  thinking: thinkingSchema.optional(),
});
export type BakeoffOracle = z.infer<typeof bakeoffOracleSchema>;

export const bakeoffJobSpecSchema = z
  .strictObject({
    kind: z.literal("bakeoff"),
    filter: slugSchema,
    filter_version: z.number().int().min(1).optional(),
    oracles: z.array(bakeoffOracleSchema).min(2).max(BAKEOFF_MAX_ORACLES),
    /** Articles that pass the prefilter, stratified by source and language (as an oracle job's `sample`). */
    sample: z
      .strictObject({
        count: z.number().int().min(1).max(BAKEOFF_MAX_SAMPLE).default(200),
        seed: z.number().int().default(42),
      })
      .default({ count: 200, seed: 42 }),
    /** Articles of the sample each oracle is asked a second time, for its self-consistency. */
    repeat: z.number().int().min(0).max(BAKEOFF_MAX_SAMPLE).default(20),
    /** A cap on the whole bake-off, every oracle together. */
    budget_usd: z.number().gt(0),
    /** Only the estimate (`bakeoffEstimateSchema`): the sample is drawn, nothing is sent or spent. */
    dry_run: z.boolean().default(false),
  })
  .superRefine((spec, ctx) => {
    if (spec.repeat > spec.sample.count)
      ctx.addIssue({
        code: "custom",
        path: ["repeat"],
        message: `repeat (${spec.repeat}) cannot exceed the sample count (${spec.sample.count})`,
      });
  });
export type BakeoffJobSpec = z.infer<typeof bakeoffJobSpecSchema>;

/** Per dimension, and their mean. */
const dimensionMaeSchema = z.object({
  per_dimension: z.record(z.string(), z.number().min(0)),
  mean: z.number().min(0),
});

export const selfConsistencySchema = z.object({
  /** Articles answered twice by this oracle. */
  n: z.number().int().min(1),
  dimension_mae: dimensionMaeSchema,
  overall_mae: z.number().min(0),
  tier_agreement: z.number().min(0).max(1),
});
export type SelfConsistency = z.infer<typeof selfConsistencySchema>;

export const bakeoffOracleReportSchema = z.object({
  /** `oracleName`: `gemini:gemini-2.5-flash`. */
  name: z.string(),
  provider: oracleProviderSchema,
  model: z.string(),
  /** The thinking setting sent (null: none). */
  thinking: thinkingSchema.nullable(),
  /** Sample articles with an answer (replicate 0); a reused label counts. */
  labelled: z.number().int().min(0),
  /** Items (either replicate) that ended without an answer. */
  failed: z.number().int().min(0),
  failed_by_reason: z.record(z.string(), z.number().int().min(0)),
  /** What this oracle's answers cost (a reused label at its recorded cost). */
  cost_usd: z.number().min(0),
  /** Cost of the sample answers per labelled article; null when nothing was labelled (see `missing`). */
  usd_per_article: z.number().min(0).nullable(),
  tokens: z.object({
    input: z.number().int().min(0),
    output: z.number().int().min(0),
    thinking: z.number().int().min(0),
  }),
  /** Null when no article was answered twice (see `missing`). */
  self_consistency: selfConsistencySchema.nullable(),
});
export type BakeoffOracleReport = z.infer<typeof bakeoffOracleReportSchema>;

export const bakeoffPairSchema = z.object({
  a: z.string(),
  b: z.string(),
  /** Articles both answered. */
  n: z.number().int().min(0),
  dimensions: z.array(
    z.object({
      key: z.string(),
      mae: z.number().min(0),
      /** Mean of a − b: positive when `a` scores higher. */
      bias: z.number(),
      /** Pearson; null when undefined (fewer than 2 articles, or a constant side). */
      correlation: z.number().min(-1).max(1).nullable(),
    }),
  ),
  overall_mae: z.number().min(0),
  overall_bias: z.number(),
  tier_agreement: z.number().min(0).max(1),
  /** Rows: `a`'s tier; columns: `b`'s; tiers highest first. */
  tier_confusion: z
    .object({ labels: z.array(z.string()), matrix: z.array(z.array(z.number().int().min(0))) })
    .optional(),
});
export type BakeoffPair = z.infer<typeof bakeoffPairSchema>;

export const bakeoffDisagreementSchema = z.object({
  article_id: z.string(),
  title: z.string(),
  /** By oracle name; an oracle without an answer for the article is absent. */
  answers: z.record(z.string(), z.object({ tier: z.string(), overall: z.number() })),
});
export type BakeoffDisagreement = z.infer<typeof bakeoffDisagreementSchema>;

export const bakeoffReportSchema = z.object({
  filter: slugSchema,
  filter_version: z.number().int().min(1),
  budget_usd: z.number(),
  spent_usd: z.number().min(0),
  /** Set when the budget cap stopped the job before every item was answered. */
  stopped_reason: z.string().optional(),
  sample: z.object({
    requested: z.number().int().min(0),
    /** Articles in the sample (those passing the prefilter), before any oracle answered. */
    selected: z.number().int().min(0),
    labelled_by_all: z.number().int().min(0),
    /** Sample articles per `source/language`. */
    strata: z.record(z.string(), z.number().int().min(0)),
  }),
  oracles: z.array(bakeoffOracleReportSchema),
  pairs: z.array(bakeoffPairSchema),
  /** Articles whose tiers differ between any two oracles, by the largest overall spread first. */
  disagreements: z.array(bakeoffDisagreementSchema),
  disagreements_total: z.number().int().min(0),
  /** Field path (e.g. `oracles.1.self_consistency`) to why it could not be computed. */
  missing: z.record(z.string(), z.string()),
  /** Set when no key is configured for a provider and its local stand-in answered. */
  banner: z.string().optional(),
});
export type BakeoffReport = z.infer<typeof bakeoffReportSchema>;

/** One contestant of a dry-run bake-off: what it would be asked and cost. */
export const bakeoffOracleEstimateSchema = z.object({
  name: z.string(),
  provider: oracleProviderSchema,
  model: z.string(),
  thinking: thinkingSchema.nullable(),
  /** First asks an existing label answers: no call, paid before. */
  reused: z.number().int().min(0),
  /** Calls it would make: first asks not reused, plus the repeats. */
  calls: z.number().int().min(0),
  input_tokens: z.number().int().min(0),
  /** Answer and planned thinking tokens (a thinking budget planned at its ceiling). */
  output_tokens: z.number().int().min(0),
  thinking_tokens: z.number().int().min(0),
  usd: z.number().min(0),
});
export type BakeoffOracleEstimate = z.infer<typeof bakeoffOracleEstimateSchema>;

/** A dry-run bake-off's result (`Job.result`): the sample it would draw and each contestant's cost. */
export const bakeoffEstimateSchema = z.object({
  dry_run: z.literal(true),
  filter: slugSchema,
  filter_version: z.number().int().min(1),
  sample: z.object({
    requested: z.number().int().min(0),
    /** Articles in the sample (those passing the prefilter). */
    selected: z.number().int().min(0),
    /** Of them, asked of each oracle a second time. */
    repeated: z.number().int().min(0),
  }),
  oracles: z.array(bakeoffOracleEstimateSchema),
  usd: z.number().min(0),
  budget_usd: z.number(),
  /** Set when no key is configured for a provider and its local stand-in would answer. */
  banner: z.string().optional(),
});
export type BakeoffEstimate = z.infer<typeof bakeoffEstimateSchema>;
