/**
 * @module
 * The drift audit's shapes: the figures one audit computes (`driftFiguresSchema`), a point of the
 * time series as stored and served (`filterHealthPointSchema`), the answer of
 * `GET /v1/filters/{name}/health`, and the alert event the bot posts.
 */
import { z } from "zod";
import { slugSchema } from "../schemas/common";
import { driftBandsSchema } from "./settings";

export const driftFigureKeySchema = z.enum([
  "tier_agreement",
  "dimension_mae",
  "distribution_shift",
  "oracle_reask_agreement",
]);
export type DriftFigureKey = z.infer<typeof driftFigureKeySchema>;

export const driftAlertSchema = z.object({
  figure: driftFigureKeySchema,
  value: z.number(),
  /** The edge of the band the value crossed. */
  limit: z.number(),
  message: z.string(),
});
export type DriftAlert = z.infer<typeof driftAlertSchema>;

export const driftFiguresSchema = z.object({
  /** Sampled articles with both a prediction and a fresh oracle label. */
  n_pairs: z.number().int().min(0),
  tier_agreement: z
    .object({ value: z.number().min(0).max(1), promised: z.number().nullable(), drop: z.number().nullable() })
    .nullable(),
  dimension_mae: z
    .object({
      value: z.number().min(0),
      promised: z.number().nullable(),
      rise: z.number().nullable(),
      per_dimension: z.record(slugSchema, z.number().min(0)),
    })
    .nullable(),
  distribution_shift: z
    .object({
      /** Two-sample Kolmogorov–Smirnov statistic per dimension, and the largest. */
      per_dimension: z.record(slugSchema, z.number().min(0).max(1)),
      max: z.number().min(0).max(1),
      n_current: z.number().int().min(1),
      n_previous: z.number().int().min(1),
    })
    .nullable(),
  oracle_reask: z
    .object({
      /** Share of re-asked articles given the same tier as the earlier label. */
      agreement: z.number().min(0).max(1),
      dimension_mae: z.number().min(0),
      n: z.number().int().min(1),
    })
    .nullable(),
  /** Why a figure above is null (keyed by figure), or why a promise is. */
  missing: z.record(z.string(), z.string()),
  bands: driftBandsSchema,
  alerts: z.array(driftAlertSchema),
});
export type DriftFigures = z.infer<typeof driftFiguresSchema>;

/** What an audit stores in `filter_health.figures`: the figures plus what was audited. */
export const filterHealthFiguresSchema = driftFiguresSchema.extend({
  period: z.object({ from: z.string(), to: z.string() }),
  sample: z.object({
    /** Articles scored by the promoted model in the period. */
    scored: z.number().int().min(0),
    drawn: z.number().int().min(0),
    labelled: z.number().int().min(0),
  }),
  cost_usd: z.number().min(0),
});
export type FilterHealthFigures = z.infer<typeof filterHealthFiguresSchema>;

export const filterHealthPointSchema = z.object({
  id: z.string(),
  filter: slugSchema,
  filter_version: z.number().int().min(1),
  model_id: z.string().nullable(),
  oracle_job_id: z.string().nullable(),
  state: z.enum(["running", "done", "failed"]),
  started_at: z.string(),
  finished_at: z.string().nullable(),
  /** Null while running; a failed audit holds `{ error }` instead. */
  figures: filterHealthFiguresSchema.nullable(),
  error: z.string().nullable().default(null),
});
export type FilterHealthPoint = z.infer<typeof filterHealthPointSchema>;

export const filterHealthResponseSchema = z.object({
  filter: slugSchema,
  enabled: z.boolean(),
  every_days: z.number().int(),
  bands: driftBandsSchema,
  /** The promoted model audited (null: none promoted, so no audit runs). */
  model_id: z.string().nullable(),
  /** When the next audit is due (null: audits disabled or no promoted model). */
  next_due_at: z.string().nullable(),
  points: z.array(filterHealthPointSchema),
});
export type FilterHealthResponse = z.infer<typeof filterHealthResponseSchema>;

/** Published on `/v1/events` when an audit ends with alerts; `history` is the series, newest first. */
export const driftAlertEventSchema = z.object({
  type: z.literal("filter.drift_alert"),
  point: filterHealthPointSchema,
  history: z.array(filterHealthPointSchema),
});
export type DriftAlertEvent = z.infer<typeof driftAlertEventSchema>;
