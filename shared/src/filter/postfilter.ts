/**
 * @module
 * The postfilter: from dimension scores (oracle or student) to the overall score and tier.
 *
 * 1. `raw_overall` = weighted mean of the dimension scores (weights sum to 1).
 * 2. Each gatekeeper whose dimension scores below its `min` caps the overall at `cap_overall_at`;
 *    each categorical value with a `cap_overall_at` caps it too. The overall is the minimum of the raw
 *    score and every applicable cap, so caps only ever lower it.
 * 3. The overall is rounded to 2 decimals (so the tier never depends on float noise), and the tier is
 *    the first tier, highest first, whose `min_overall` it reaches.
 * Changing weights, caps or tiers never needs relabelling: this runs again on stored scores.
 */
import { DistilleryError } from "../errors";
import type { FilterPackage } from "../schemas/filter";

export type PostfilterFilter = Pick<FilterPackage, "dimensions" | "gatekeepers" | "categories" | "tiers">;

export type PostfilterResult = {
  overall: number;
  raw_overall: number;
  tier: string;
  /** Which caps applied, e.g. `gatekeeper:deployment_maturity`, `content_type:press_release`. */
  caps: string[];
};

const round2 = (value: number) => Math.round(value * 100) / 100;

/** The tier of an overall score: the first tier (highest first) whose `min_overall` it reaches. */
export function tierFor(filter: Pick<FilterPackage, "tiers">, overall: number): string {
  for (const tier of filter.tiers) if (overall >= tier.min_overall) return tier.key;
  return filter.tiers[filter.tiers.length - 1]!.key;
}

/**
 * Computes overall score, caps and tier.
 * @example
 * postfilter(filter, { maturity: 2, impact: 8 }, { content_type: "news" }) // { overall: 3, tier: "low", caps: [...] }
 */
export function postfilter(
  filter: PostfilterFilter,
  scores: Readonly<Record<string, number>>,
  categories: Readonly<Record<string, string>> = {},
): PostfilterResult {
  let raw = 0;
  for (const dimension of filter.dimensions) {
    const score = scores[dimension.key];
    if (typeof score !== "number" || Number.isNaN(score))
      throw new DistilleryError("scores.missing_dimension", `no score for dimension '${dimension.key}'`, {
        details: [{ path: dimension.key, issue: "missing" }],
      });
    raw += dimension.weight * score;
  }
  let overall = raw;
  const caps: string[] = [];
  for (const gatekeeper of filter.gatekeepers) {
    if (scores[gatekeeper.dimension]! < gatekeeper.min) {
      caps.push(`gatekeeper:${gatekeeper.dimension}`);
      overall = Math.min(overall, gatekeeper.cap_overall_at);
    }
  }
  for (const category of filter.categories) {
    const chosen = categories[category.key];
    const value = category.values.find((v) => v.key === chosen);
    if (value?.cap_overall_at !== undefined) {
      caps.push(`${category.key}:${value.key}`);
      overall = Math.min(overall, value.cap_overall_at);
    }
  }
  const rounded = Math.min(10, Math.max(0, round2(overall)));
  return { overall: rounded, raw_overall: round2(raw), tier: tierFor(filter, rounded), caps };
}
