/**
 * @module
 * Needle metrics: how well a student finds the articles of a filter's top tier(s), which are often rare
 * enough that MAE and tier agreement look fine for a student that never predicts them. Recall and
 * precision of the top tier(s), and the student's ranking by overall score against the oracle's:
 * Recall@k and NDCG@k. Tiers and overall scores come from `postfilterPair` (each side with its own
 * categories), the one definition the other metrics use. The eval report and the promotion gate call
 * `needleMetrics`; docs/distill.md explains how to read the figures.
 */
import type { PostfilterFilter } from "../filter/postfilter";
import type { AtK, NeedleMetrics } from "../schemas/report";
import { postfilterPair, type ScoredPair } from "./index";

/** The fixed cut-offs of Recall@k and NDCG@k; R (the number of oracle top-tier articles) is always added. */
export const NEEDLE_KS: readonly number[] = [10, 50, 100];

export type NeedleOptions = {
  /** How many tiers, highest first, count as "top" (default 1: the filter's highest tier only). */
  topTiers?: number;
  /** Cut-offs used instead of `NEEDLE_KS`; R is still added, and cut-offs above the article count are left out. */
  ks?: readonly number[];
};

/**
 * The gain of an article with the oracle's overall score `relevance` (0–10). Exponential, so each point
 * of the oracle's score doubles an article's weight: NDCG is then decided by whether the oracle's
 * highest-scored articles (the needles) lead the student's ranking, not by how the many mid- and
 * low-scored articles are ordered. With a linear gain a ranking that orders the bulk well but buries the
 * few 9s scores almost as well as one that finds them.
 */
export function needleGain(relevance: number): number {
  return 2 ** relevance - 1;
}

type Scored = { index: number; oracle: number; student: number; relevant: boolean; predictedTop: boolean };

function cutOffs(ks: readonly number[], support: number, n: number): number[] {
  for (const k of ks)
    if (!Number.isInteger(k) || k < 1)
      throw new RangeError(`needleMetrics: cut-off ${k} is not a positive integer`);
  const all = support > 0 ? [...ks, support] : [...ks];
  return [...new Set(all)].filter((k) => k <= n).sort((a, b) => a - b);
}

/** Discounted cumulative gain of the first `k` relevances, in the order given. */
function dcg(relevances: readonly number[], k: number): number {
  let sum = 0;
  for (let i = 0; i < k; i++) sum += needleGain(relevances[i]!) / Math.log2(i + 2);
  return sum;
}

/**
 * Needle metrics of a student against the oracle over `pairs`.
 *
 * - `recall` = oracle-top articles the student also puts in a top tier / `support` (oracle-top articles);
 *   `precision` = the same count / `predicted` (student-top articles). Null, with the reason in
 *   `missing`, when the denominator is 0.
 * - The student's ranking sorts articles by the student's overall score, highest first; ties go to the
 *   article given first in `pairs` (in the report: the test split's order), so the figures are
 *   deterministic, and a student that scores everything alike ranks in the given order.
 * - `recall_at_k` = share of the oracle-top articles within the ranking's first k (at most k / R when
 *   k < R); null when `support` is 0. `ndcg_at_k` = DCG of the ranking's first k, graded by the oracle's
 *   overall score through `needleGain` and discounted by log2(rank + 1), over the DCG of the oracle's
 *   own order; null when the oracle scores every article 0.
 * - Cut-offs: `options.ks` (default `NEEDLE_KS`) plus k = R, whose Recall@R is the R-precision; only
 *   cut-offs up to the number of articles, ascending, each once.
 * @example
 * const needle = needleMetrics(filter, pairs); // top_tiers: ["high"]
 * needle.recall; // 0.5: the student puts half of the oracle's "high" articles in "high"
 * needleMetrics(filter, pairs, { topTiers: 2, ks: [5] }); // "high" or "medium" count as top
 */
export function needleMetrics(
  filter: PostfilterFilter,
  pairs: readonly ScoredPair[],
  options: NeedleOptions = {},
): NeedleMetrics {
  const topCount = options.topTiers ?? 1;
  if (!Number.isInteger(topCount) || topCount < 1 || topCount > filter.tiers.length)
    throw new RangeError(
      `needleMetrics: topTiers must be an integer from 1 to ${filter.tiers.length}, got ${topCount}`,
    );
  const topTiers = filter.tiers.slice(0, topCount).map((tier) => tier.key);
  const top = new Set(topTiers);
  const scored: Scored[] = pairs.map((pair, index) => {
    const { oracle, student } = postfilterPair(filter, pair);
    return {
      index,
      oracle: oracle.overall,
      student: student.overall,
      relevant: top.has(oracle.tier),
      predictedTop: top.has(student.tier),
    };
  });
  const n = scored.length;
  const support = scored.filter((s) => s.relevant).length;
  const predicted = scored.filter((s) => s.predictedTop).length;
  const found = scored.filter((s) => s.relevant && s.predictedTop).length;

  const named = `top tier${topTiers.length > 1 ? "s" : ""} ${topTiers.map((t) => `'${t}'`).join(", ")}`;
  const missing: Record<string, string> = {};
  if (support === 0) {
    missing.recall = `no article is in the ${named} by the oracle's scores`;
    missing.recall_at_k = missing.recall;
  }
  if (predicted === 0) missing.precision = `the student puts no article in the ${named}`;

  const ranking = [...scored].sort((a, b) => b.student - a.student || a.index - b.index);
  const ranked = ranking.map((s) => s.oracle);
  const ideal = scored.map((s) => s.oracle).sort((a, b) => b - a);
  const ks = cutOffs(options.ks ?? NEEDLE_KS, support, n);
  const recallAtK: AtK[] = ks.map((k) => ({
    k,
    value: support === 0 ? null : ranking.slice(0, k).filter((s) => s.relevant).length / support,
  }));
  const ndcgAtK: AtK[] = ks.map((k) => {
    const best = dcg(ideal, k);
    // Both sums hold the same gains when the orders agree; the clamp only absorbs float noise.
    return { k, value: best === 0 ? null : Math.min(1, dcg(ranked, k) / best) };
  });
  if (ndcgAtK.some((point) => point.value === null))
    missing.ndcg_at_k = "the oracle scores every article 0: there is nothing to rank";

  return {
    top_tiers: topTiers,
    n,
    support,
    predicted,
    recall: support === 0 ? null : found / support,
    precision: predicted === 0 ? null : found / predicted,
    recall_at_k: recallAtK,
    ndcg_at_k: ndcgAtK,
    missing,
  };
}
