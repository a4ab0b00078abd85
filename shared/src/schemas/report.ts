/**
 * @module
 * The evaluation report: the quality bar's metrics for the student and its two baselines, per
 * dimension, per language, the tier confusion matrix, the training curve and the cascade trade-off.
 * `distill` writes it as `report.json`; the edge stores it per model; the bot renders it.
 */
import { z } from "zod";
import { slugSchema } from "./common";
import { datasetReportSchema } from "./dataset";
import {
  calibrationEffectSchema,
  missingReasonsSchema,
  trainingCurveSchema,
  trainValidationSchema,
} from "./result";

/** The quality bar of DESIGN.md; a report marks each metric against it. */
export const QUALITY_BAR = {
  accuracy: { target: 0.88, stretch: 0.92, higher_is_better: true },
  tier_agreement: { target: 0.85, stretch: 0.9, higher_is_better: true },
  overall_mae: { target: 0.8, stretch: 0.5, higher_is_better: false },
  dimension_mae: { target: 1.0, stretch: 0.7, higher_is_better: false },
} as const;
export type QualityMetric = keyof typeof QUALITY_BAR;

/**
 * The one rule of the quality bar: whether `value` meets `metric`'s target (at least the target when
 * higher is better, at most it otherwise). The report, its charts, the bot and the sample all use it.
 * @example
 * meetsQualityBar("accuracy", 0.9); // true
 */
export function meetsQualityBar(metric: QualityMetric, value: number): boolean {
  const bar = QUALITY_BAR[metric];
  return bar.higher_is_better ? value >= bar.target : value <= bar.target;
}

export const dimensionMetricsSchema = z.object({
  mae: z.number().min(0),
  spearman: z.number().min(-1).max(1).nullable(),
});

export const tierConfusionSchema = z.object({
  /** Tier keys, highest first; `matrix[i][j]` counts oracle tier i predicted as tier j. */
  labels: z.array(slugSchema),
  matrix: z.array(z.array(z.number().int().min(0))),
});
export type TierConfusion = z.infer<typeof tierConfusionSchema>;

export const metricsSchema = z.object({
  /** Share with |student overall - oracle overall| <= 1.0. */
  accuracy: z.number().min(0).max(1),
  tier_agreement: z.number().min(0).max(1),
  overall_mae: z.number().min(0),
  /** Mean over dimensions of the per-dimension MAE. */
  dimension_mae: z.number().min(0),
  overall_spearman: z.number().min(-1).max(1).nullable(),
  per_dimension: z.record(slugSchema, dimensionMetricsSchema),
  n: z.number().int().min(0),
});
export type Metrics = z.infer<typeof metricsSchema>;

/** Recall@k or NDCG@k at one cut-off `k`; null when undefined (its reason is in the needle `missing`). */
export const atKSchema = z.object({ k: z.number().int().min(1), value: z.number().min(0).max(1).nullable() });
export type AtK = z.infer<typeof atKSchema>;

/**
 * How well the student finds the needles: the top tier(s), which may be rare enough that MAE and tier
 * agreement hide a student that never predicts them (`shared/src/metrics/needle.ts` defines each figure;
 * docs/distill.md explains how to read them). Computed on the test split.
 */
export const needleMetricsSchema = z.object({
  /** The tiers counted as "top", highest first (default: the filter's highest tier only). */
  top_tiers: z.array(slugSchema).min(1),
  /** Articles in the set. */
  n: z.number().int().min(0),
  /** Articles the oracle puts in a top tier: the relevant set. */
  support: z.number().int().min(0),
  /** Articles the student puts in a top tier. */
  predicted: z.number().int().min(0),
  /** Share of the oracle's top-tier articles the student also puts in a top tier; null when `support` is 0. */
  recall: z.number().min(0).max(1).nullable(),
  /** Share of the student's top-tier articles the oracle also puts there; null when `predicted` is 0. */
  precision: z.number().min(0).max(1).nullable(),
  /** Share of the oracle's top-tier articles among the student's k highest overall scores; ascending k. */
  recall_at_k: z.array(atKSchema),
  /** NDCG of the student's ranking by overall score, graded by the oracle's overall score; ascending k. */
  ndcg_at_k: z.array(atKSchema),
  /** Why a figure above is null (`recall`, `precision`, `recall_at_k`, `ndcg_at_k`). */
  missing: missingReasonsSchema.default({}),
});
export type NeedleMetrics = z.infer<typeof needleMetricsSchema>;

/**
 * One point of the cascade trade-off on the test split. The point with `coverage: null` sends nothing to
 * the oracle and equals the headline tier agreement; tier agreement never drops as coverage grows.
 */
export const cascadePointSchema = z.object({
  coverage: z.number().gt(0).lt(1).nullable(),
  share_to_oracle: z.number().min(0).max(1),
  tier_agreement: z.number().min(0).max(1),
  /** Lower end of the 95% Wilson score interval of `tier_agreement` on the test split. */
  tier_agreement_lower: z.number().min(0).max(1),
  /** Share of test articles whose oracle overall score fell inside the student's interval. */
  coverage_reached: z.number().min(0).max(1).nullable(),
  /** What the oracle calls cost per 1,000 articles; null when the price table does not know the model. */
  usd_per_1000: z.number().min(0).nullable(),
});
export type CascadePoint = z.infer<typeof cascadePointSchema>;

/** Per categorical field: how often the student's own category matched the oracle's, and the confusion. */
export const categoryMetricsSchema = z.object({
  accuracy: z.number().min(0).max(1),
  n: z.number().int().min(0),
  /** Value keys; `matrix[i][j]` counts oracle value i predicted as value j. */
  labels: z.array(slugSchema),
  matrix: z.array(z.array(z.number().int().min(0))),
});
export type CategoryMetrics = z.infer<typeof categoryMetricsSchema>;

export const scatterPointSchema = z.object({ oracle: z.number(), student: z.number(), language: z.string() });

export const evalReportSchema = z.object({
  filter: slugSchema,
  filter_version: z.number().int().min(1),
  model: z.object({
    id: z.string(),
    kind: z.string(),
    base_model: z.string().min(1),
    backend: z.string().min(1),
  }),
  n_test: z.number().int().min(0),
  metrics: metricsSchema,
  baselines: z.object({ constant: metricsSchema, lexical: metricsSchema.nullable() }),
  /**
   * The top tier(s) as needles: the student's recall and precision, Recall@k and NDCG@k on the test
   * split. Null (reason in `missing.needle`) when it cannot be computed; absent in reports built before it.
   */
  needle: needleMetricsSchema.nullable().default(null),
  /** The same figures for the baselines: what finding the needles by chance or by keywords looks like. */
  baselines_needle: z
    .object({ constant: needleMetricsSchema, lexical: needleMetricsSchema.nullable() })
    .nullable()
    .default(null),
  per_language: z.record(z.string(), metricsSchema),
  tier_confusion: tierConfusionSchema,
  quality_bar: z.record(z.string(), z.object({ value: z.number(), target: z.number(), pass: z.boolean() })),
  /** Plain-language verdict, e.g. that the student does not beat the lexical baseline. */
  verdict: z.array(z.string()),
  training_curve: trainingCurveSchema.nullable(),
  /** The student's out-of-fold validation figures from training. */
  validation: trainValidationSchema.nullable(),
  /** Per-dimension test MAE before and after the student's isotonic calibration. */
  calibration: calibrationEffectSchema.nullable(),
  /** The student's own categories against the oracle's, on the test split. */
  categories: z.record(slugSchema, categoryMetricsSchema),
  cascade: z.array(cascadePointSchema).default([]),
  /** Why a field above is null or empty (keyed by field name: `baselines.lexical`, `cascade`…). */
  missing: missingReasonsSchema.default({}),
  scatter: z.array(scatterPointSchema).default([]),
  created_at: z.string(),
});
export type EvalReport = z.infer<typeof evalReportSchema>;

/**
 * `distill`'s `report.json` (docs/distill.md): the eval report plus what was distilled from (the
 * dataset's validation report) and the cascade goal with the cheapest curve point that meets it.
 */
export const distillReportSchema = evalReportSchema.extend({
  labels: z.object({ file: z.string(), imported: z.number().int().min(0), skipped: z.number().int().min(0) }),
  dataset: datasetReportSchema,
  cascade_goal: z.object({
    tier_agreement: z.number(),
    max_share_to_oracle: z.number(),
    oracle_model: z.string(),
    usd_per_oracle_call: z.number().min(0).nullable(),
    met_at: cascadePointSchema.nullable(),
  }),
});
export type DistillReport = z.infer<typeof distillReportSchema>;
