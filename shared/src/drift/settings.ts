/**
 * @module
 * The `audit` block of a filter: how often the drift audit runs, how many recently scored articles the
 * oracle labels, how many earlier labels it re-asks, what it may spend, and the bands each figure must
 * stay inside (a figure outside its band is an alert).
 */
import { z } from "zod";

export const driftBandsSchema = z.strictObject({
  /** Alert when tier agreement falls more than this below what the model's eval promised. */
  tier_agreement_drop: z.number().min(0).max(1).default(0.1),
  /** Alert when dimension MAE rises more than this (score points) above what the eval promised. */
  dimension_mae_rise: z.number().min(0).default(0.5),
  /**
   * Alert when a dimension's score distribution moved more than this: the two-sample
   * Kolmogorov–Smirnov statistic (0..1) between this period's predictions and the previous period's.
   */
  distribution_shift: z.number().gt(0).max(1).default(0.25),
  /** Alert when the oracle agrees (same tier) with its own earlier labels on fewer than this share. */
  oracle_reask_agreement_min: z.number().min(0).max(1).default(0.8),
});
export type DriftBands = z.infer<typeof driftBandsSchema>;

export const auditSettingsSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Days between audits; also the period whose scored articles an audit samples. */
  every_days: z.number().int().min(1).max(365).default(7),
  /** Recently scored articles the oracle labels per audit. */
  sample: z.number().int().min(1).max(1_000).default(50),
  /** Articles with an earlier oracle label asked again, for the oracle's own consistency. */
  reask: z.number().int().min(0).max(100).default(5),
  /** A cap on one audit's oracle spend, re-asks included. */
  budget_usd: z.number().gt(0).default(1),
  bands: driftBandsSchema.default(driftBandsSchema.parse({})),
});
export type AuditSettings = z.infer<typeof auditSettingsSchema>;
