/**
 * @module
 * The cascade: the student answers, the oracle settles doubt. Split conformal prediction (calibrated on
 * the validation split by the Python trainer, which stores the sorted nonconformity scores
 * `|oracle overall − student overall|`) gives each prediction an interval `overall ± q` at a chosen
 * coverage; an article whose interval holds more than one tier is doubtful, and its oracle label
 * replaces the student's. This module decides which articles are doubtful and computes the trade-off
 * curve (share sent to the oracle vs tier agreement of the combined result, and what the oracle calls
 * cost per 1,000 articles). Pure: the edge's cascade scoring job and the `distill` report both call it.
 *
 * The student side of every overall score goes through the postfilter without categorical caps: a
 * student predicts no categories, so that is what a real cascade sees.
 */
import { type PostfilterFilter, postfilter, tierFor } from "../filter/postfilter";
import { renderOraclePrompt } from "../filter/prompt";
import { DEFAULT_PRICE_TABLE, type ModelPrice } from "../schemas/config";
import type { FilterPackage } from "../schemas/filter";
import type { CascadePoint } from "../schemas/report";

/** Coverages the trade-off curve is drawn at. */
export const CASCADE_COVERAGES = [0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.99] as const;
export const DEFAULT_CASCADE_COVERAGE = 0.9;
/** The goal a report is held against: this tier agreement with at most this share sent to the oracle. */
export const CASCADE_GOAL = { tier_agreement: 0.95, max_share_to_oracle: 0.15 } as const;

/**
 * The split-conformal quantile: the ⌈(n + 1)·coverage⌉-th smallest calibration score, or Infinity when
 * there are too few scores for that coverage (every interval then spans the whole scale).
 * @example
 * conformalQuantile([0.1, 0.2, 0.4, 0.9], 0.5) // 0.4 (⌈5 · 0.5⌉ = 3rd smallest)
 */
export function conformalQuantile(sortedScores: readonly number[], coverage: number): number {
  const rank = Math.ceil((sortedScores.length + 1) * coverage - 1e-9);
  if (sortedScores.length === 0 || rank > sortedScores.length) return Number.POSITIVE_INFINITY;
  return sortedScores[rank - 1]!;
}

/** `overall ± q`, clipped to the 0-10 scale. */
export function overallInterval(overall: number, q: number): [number, number] {
  if (!Number.isFinite(q)) return [0, 10];
  return [Math.max(0, overall - q), Math.min(10, overall + q)];
}

/** Whether an interval holds more than one tier: its ends fall in different tiers. */
export function crossesTierBoundary(
  filter: Pick<FilterPackage, "tiers">,
  interval: readonly [number, number],
): boolean {
  return tierFor(filter, interval[0]) !== tierFor(filter, interval[1]);
}

/**
 * The articles a cascade sends to the oracle: those whose interval crosses a tier boundary. A
 * prediction without an interval (a model with no conformal calibration) is not doubtful: nothing
 * says so, and sending every such article would spend the whole budget on guesses.
 * @example
 * doubtfulArticles(filter, predictions) // ["a17", "a42"]
 */
export function doubtfulArticles(
  filter: Pick<FilterPackage, "tiers">,
  predictions: readonly { article_id: string; overall_interval?: readonly [number, number] }[],
): string[] {
  return predictions
    .filter((p) => p.overall_interval !== undefined && crossesTierBoundary(filter, p.overall_interval))
    .map((p) => p.article_id);
}

/** Characters per token and answer tokens per dimension: the same rule of thumb as the oracle's estimates. */
const CHARS_PER_TOKEN = 4;
const OUTPUT_TOKENS_PER_DIMENSION = 60;

export type OracleCostOptions = {
  /** Typical article length in characters (title + body); capped at the filter's `max_article_chars`. */
  articleChars: number;
  prices?: Readonly<Record<string, ModelPrice>>;
  mode?: "interactive" | "batch";
};

/**
 * What one oracle call costs in USD at the filter's oracle model price (no cache discount assumed),
 * or null when the price table does not know the model.
 */
export function oracleCostPerArticle(
  filter: Pick<FilterPackage, "prompt" | "oracle" | "dimensions" | "categories">,
  options: OracleCostOptions,
): number | null {
  const price = (options.prices ?? DEFAULT_PRICE_TABLE)[filter.oracle.model];
  if (!price) return null;
  const chars = Math.min(options.articleChars, filter.oracle.max_article_chars);
  const prompt = renderOraclePrompt(filter, {
    title: "",
    body: "x".repeat(Math.max(1, Math.round(chars))),
    language: "en",
    source: "",
  });
  const input = Math.ceil(prompt.text.length / CHARS_PER_TOKEN);
  const output = filter.dimensions.length * OUTPUT_TOKENS_PER_DIMENSION + filter.categories.length * 8 + 10;
  const usd = (input * price.input_per_mtok + output * price.output_per_mtok) / 1e6;
  return options.mode === "batch" ? usd * (1 - price.batch_discount) : usd;
}

export type CascadeCase = {
  oracle: Readonly<Record<string, number>>;
  student: Readonly<Record<string, number>>;
  /** The oracle's categorical values (for the oracle's own overall score). */
  categories?: Readonly<Record<string, string>>;
};

/**
 * Tier agreement of the combined result and the share sent to the oracle at each coverage.
 * @example
 * cascadeCurve(filter, testPairs, calibrationScores, { usdPerArticle: 0.0006 })
 */
export function cascadeCurve(
  filter: PostfilterFilter,
  cases: readonly CascadeCase[],
  calibrationScores: readonly number[],
  options: { usdPerArticle: number; coverages?: readonly number[] },
): CascadePoint[] {
  const sorted = [...calibrationScores].sort((a, b) => a - b);
  const prepared = cases.map((c) => ({
    oracleTier: postfilter(filter, c.oracle, c.categories).tier,
    student: postfilter(filter, c.student),
  }));
  return (options.coverages ?? CASCADE_COVERAGES).map((coverage) => {
    const q = conformalQuantile(sorted, coverage);
    let sent = 0;
    let agree = 0;
    for (const { oracleTier, student } of prepared) {
      const doubtful = crossesTierBoundary(filter, overallInterval(student.overall, q));
      if (doubtful) sent++;
      if (doubtful || student.tier === oracleTier) agree++;
    }
    const n = Math.max(1, prepared.length);
    return {
      coverage,
      share_to_oracle: sent / n,
      tier_agreement: agree / n,
      usd_per_1000: (sent / n) * 1000 * options.usdPerArticle,
    };
  });
}

/** The cheapest point of a curve that meets the goal, or null when none does. */
export function cascadeGoalPoint(curve: readonly CascadePoint[]): CascadePoint | null {
  const meeting = curve.filter(
    (p) =>
      p.tier_agreement >= CASCADE_GOAL.tier_agreement &&
      p.share_to_oracle <= CASCADE_GOAL.max_share_to_oracle,
  );
  return meeting.sort((a, b) => a.share_to_oracle - b.share_to_oracle)[0] ?? null;
}
