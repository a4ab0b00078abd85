/**
 * @module
 * The cascade: the student answers, the oracle settles doubt. The Python trainer stores conformal
 * calibration scores computed on articles neither the heads nor the isotonic maps were fitted on:
 * `|oracle overall − student overall| / overall_scale` (`normalized`, the scale being the student's
 * predicted error for that article) or without the division (`absolute`). At coverage c an article's
 * interval is `overall ± q(c) · overall_scale`, `q(c)` the split-conformal quantile of the scores, so a
 * confident prediction gets a narrow interval and a doubtful one a wide one. An article whose interval
 * holds more than one tier is doubtful, and its oracle label replaces the student's. This module
 * decides which articles are doubtful and computes the trade-off curve (share sent to the oracle vs tier
 * agreement of the combined result, with its 95% lower bound, the coverage the intervals reached, and
 * what the oracle calls cost per 1,000 articles). Pure: the edge's cascade scoring job and every report
 * call it.
 *
 * Both sides of every overall score go through `postfilterPair` from the metrics module, the student's
 * with its own predicted categories: the curve's first point is the headline tier agreement.
 */
import { DistilleryError } from "../errors";
import { type PostfilterFilter, tierFor } from "../filter/postfilter";
import { renderOraclePrompt } from "../filter/prompt";
import { postfilterPair, type ScoredPair, wilsonLowerBound } from "../metrics/index";
import { CHARS_PER_TOKEN, type OracleOverride, plannedOutputTokens, resolveOracle } from "../oracle/choice";
import { DEFAULT_PRICE_TABLE, findPrice } from "../oracle/prices";
import type { ModelPrice } from "../schemas/config";
import type { FilterPackage } from "../schemas/filter";
import type { CascadePoint } from "../schemas/report";
import type { ConformalCalibration } from "../schemas/result";

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

export type OracleCostOptions = {
  /** Typical article length in characters (title + body); capped at the filter's `max_article_chars`. */
  articleChars: number;
  prices?: Readonly<Record<string, ModelPrice>>;
  mode?: "interactive" | "batch";
  /** Another oracle than the filter's (provider, model, thinking). */
  oracle?: OracleOverride;
};

/**
 * What one oracle call costs in USD at the oracle's price, thinking included at its planned use (no
 * cache discount assumed), or null when the price table does not know the model.
 */
export function oracleCostPerArticle(
  filter: Pick<FilterPackage, "prompt" | "oracle" | "dimensions" | "categories">,
  options: OracleCostOptions,
): number | null {
  const oracle = resolveOracle(filter, options.oracle);
  const price = findPrice(options.prices ?? DEFAULT_PRICE_TABLE, oracle.model);
  if (!price) return null;
  const chars = Math.min(options.articleChars, filter.oracle.max_article_chars);
  const prompt = renderOraclePrompt(filter, {
    title: "",
    body: "x".repeat(Math.max(1, Math.round(chars))),
    language: "en",
    source: "",
  });
  const input = Math.ceil(prompt.text.length / CHARS_PER_TOKEN);
  const output = plannedOutputTokens(filter, oracle);
  const usd = (input * price.input_per_mtok + output * price.output_per_mtok) / 1e6;
  return options.mode === "batch" ? usd * (1 - price.batch_discount) : usd;
}

export type CascadeCase = ScoredPair & {
  /** The student's predicted error scale for this article (`overall_scale`); read only by `normalized` calibrations. */
  scale?: number;
};

/** What the curve needs of the model's conformal calibration. */
export type CascadeCalibration = Pick<ConformalCalibration, "method" | "scores">;

/**
 * The half-width of an article's interval at quantile `q`: `q · overall_scale` for a `normalized`
 * calibration (which must then have a scale), `q` for an `absolute` one.
 */
export function intervalHalfWidth(
  calibration: Pick<CascadeCalibration, "method">,
  q: number,
  scale?: number,
): number {
  if (calibration.method === "absolute") return q;
  if (scale === undefined || !(scale > 0))
    throw new DistilleryError(
      "cascade.no_scale",
      "a normalized conformal calibration needs each prediction's overall_scale",
      { details: [{ path: "overall_scale", issue: "missing" }] },
    );
  return q * scale;
}

/**
 * The trade-off curve on a test split. The first point (`coverage: null`) sends nothing to the oracle:
 * its tier agreement is the headline one (the same `postfilterPair` as `computeMetrics`). Then one
 * point per coverage: the articles whose interval `overall ± q(c) · scale` crosses a tier boundary go
 * to the oracle and take its tier. An article's scale does not change with c and q(c) grows with c, so
 * its interval only widens: the set sent is nested, and tier agreement never drops along the curve.
 * Each point carries the 95% Wilson lower bound of its tier agreement and, for the intervals, the share
 * of oracle overall scores that fell inside them (coverage reached, to set beside coverage asked).
 * @example
 * cascadeCurve(filter, testPairs, { method: "normalized", scores }, { usdPerArticle: 0.0006 })
 */
export function cascadeCurve(
  filter: PostfilterFilter,
  cases: readonly CascadeCase[],
  calibration: CascadeCalibration,
  options: { usdPerArticle: number | null; coverages?: readonly number[] },
): CascadePoint[] {
  const sorted = [...calibration.scores].sort((a, b) => a - b);
  const prepared = cases.map((c) => {
    const { oracle, student } = postfilterPair(filter, c);
    return { oracle, student, scale: calibration.method === "absolute" ? 1 : c.scale };
  });
  const n = prepared.length;
  const point = (
    coverage: number | null,
    sent: number,
    agree: number,
    inside: number | null,
  ): CascadePoint => ({
    coverage,
    share_to_oracle: n === 0 ? 0 : sent / n,
    tier_agreement: n === 0 ? 0 : agree / n,
    tier_agreement_lower: wilsonLowerBound(agree, n),
    coverage_reached: inside === null || n === 0 ? null : inside / n,
    usd_per_1000:
      options.usdPerArticle === null ? null : n === 0 ? 0 : (sent / n) * 1000 * options.usdPerArticle,
  });
  const alone = prepared.filter((p) => p.student.tier === p.oracle.tier).length;
  const coverages = [...(options.coverages ?? CASCADE_COVERAGES)].sort((a, b) => a - b);
  return [
    point(null, 0, alone, null),
    ...coverages.map((coverage) => {
      const q = conformalQuantile(sorted, coverage);
      let sent = 0;
      let agree = 0;
      let inside = 0;
      for (const { oracle, student, scale } of prepared) {
        const [low, high] = overallInterval(student.overall, intervalHalfWidth(calibration, q, scale));
        const doubtful = crossesTierBoundary(filter, [low, high]);
        if (doubtful) sent++;
        if (doubtful || student.tier === oracle.tier) agree++;
        if (oracle.overall >= low - 1e-9 && oracle.overall <= high + 1e-9) inside++;
      }
      return point(coverage, sent, agree, inside);
    }),
  ];
}

/**
 * The cheapest point of a curve that meets the goal, or null when none does. The point with nothing
 * sent counts: a student that meets the goal alone meets it at no oracle cost.
 */
export function cascadeGoalPoint(curve: readonly CascadePoint[]): CascadePoint | null {
  const meeting = curve.filter(
    (p) =>
      p.tier_agreement >= CASCADE_GOAL.tier_agreement &&
      p.share_to_oracle <= CASCADE_GOAL.max_share_to_oracle,
  );
  return meeting.sort((a, b) => a.share_to_oracle - b.share_to_oracle)[0] ?? null;
}

/**
 * The point a summary shows beside the headline: the cheapest one meeting the goal, else the one at
 * the default coverage, else the widest; null for an empty curve.
 * @example
 * const point = cascadeHighlight(report.cascade); // { coverage: 0.9, share_to_oracle: 0.38, … }
 */
export function cascadeHighlight(curve: readonly CascadePoint[]): CascadePoint | null {
  return (
    cascadeGoalPoint(curve) ??
    curve.find((p) => p.coverage === DEFAULT_CASCADE_COVERAGE) ??
    curve.at(-1) ??
    null
  );
}
