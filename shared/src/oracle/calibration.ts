/**
 * @module
 * Calibration: how two labelings of the same articles compare (two models, e.g. Flash against Pro,
 * or two prompt versions). Per dimension: mean absolute difference and Spearman rank correlation;
 * overall: MAE of the postfiltered overall score and tier agreement; the tier distributions side by
 * side. Pure, so the edge endpoint and the CLI share it.
 */
import { type PostfilterFilter, postfilter } from "../filter/postfilter";
import { spearman } from "../metrics/index";
import type { CalibrationReport } from "./api";

export type LabelingPair = {
  article_id: string;
  a: Record<string, number>;
  b: Record<string, number>;
  a_categories?: Record<string, string>;
  b_categories?: Record<string, string>;
};

const mean = (values: number[]) => (values.length ? values.reduce((s, v) => s + v, 0) / values.length : 0);
const round = (value: number) => Math.round(value * 10_000) / 10_000;

/**
 * Compares labeling `a` with labeling `b` on the articles both scored.
 * @example
 * const report = calibrate(filter, pairs); // report.per_dimension.evidence.mae
 */
export function calibrate(filter: PostfilterFilter, pairs: readonly LabelingPair[]): CalibrationReport {
  const warnings: string[] = [];
  const perDimension: CalibrationReport["per_dimension"] = {};
  for (const { key } of filter.dimensions) {
    const both = pairs.filter((p) => typeof p.a[key] === "number" && typeof p.b[key] === "number");
    if (both.length < pairs.length)
      warnings.push(`${pairs.length - both.length} articles lack a score for '${key}'`);
    const a = both.map((p) => p.a[key]!);
    const b = both.map((p) => p.b[key]!);
    perDimension[key] = {
      mae: round(mean(a.map((v, i) => Math.abs(v - b[i]!)))),
      spearman: both.length >= 3 ? (spearman(a, b) === null ? null : round(spearman(a, b)!)) : null,
      mean_a: round(mean(a)),
      mean_b: round(mean(b)),
    };
  }
  const tiersA: Record<string, number> = {};
  const tiersB: Record<string, number> = {};
  for (const tier of filter.tiers) {
    tiersA[tier.key] = 0;
    tiersB[tier.key] = 0;
  }
  const overallDiffs: number[] = [];
  let agree = 0;
  const complete = pairs.filter((p) =>
    filter.dimensions.every((d) => typeof p.a[d.key] === "number" && typeof p.b[d.key] === "number"),
  );
  for (const pair of complete) {
    const a = postfilter(filter, pair.a, pair.a_categories);
    const b = postfilter(filter, pair.b, pair.b_categories);
    tiersA[a.tier] = (tiersA[a.tier] ?? 0) + 1;
    tiersB[b.tier] = (tiersB[b.tier] ?? 0) + 1;
    overallDiffs.push(Math.abs(a.overall - b.overall));
    if (a.tier === b.tier) agree += 1;
  }
  if (pairs.length < 30) warnings.push(`only ${pairs.length} articles in common: treat the figures as rough`);
  return {
    articles: pairs.length,
    per_dimension: perDimension,
    dimension_mae: round(mean(Object.values(perDimension).map((d) => d.mae))),
    overall_mae: round(mean(overallDiffs)),
    tier_agreement: complete.length ? round(agree / complete.length) : 0,
    tiers: { a: tiersA, b: tiersB },
    warnings,
  };
}
