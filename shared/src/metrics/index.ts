/**
 * @module
 * The one implementation of the quality bar's metrics (DESIGN.md): per-dimension MAE and Spearman,
 * overall MAE, overall accuracy (|student − oracle| <= 1.0), tier agreement, the tier confusion matrix,
 * the scatter of overall scores, per-category accuracy and the Wilson bound of a share. Each side of a
 * pair goes through the same `postfilter` with **its own** categorical answers: the oracle's label for
 * the oracle side, the student's predicted categories for the student side (none predicted: no
 * categorical caps). No metric ever gives the student an oracle answer. The edge, the CLI, the cascade
 * and the reports all call this.
 */
import { type PostfilterFilter, type PostfilterResult, postfilter } from "../filter/postfilter";
import type { Metrics, TierConfusion } from "../schemas/report";

export { categoryMetrics } from "./categories";
export { wilsonLowerBound } from "./wilson";

/** One test article: the oracle's label and the student's prediction, each with its own categories. */
export type ScoredPair = {
  oracle: Readonly<Record<string, number>>;
  /** The oracle label's categorical values: caps the oracle side only. */
  oracleCategories?: Readonly<Record<string, string>>;
  student: Readonly<Record<string, number>>;
  /** The student's own predicted categories: caps the student side only (absent: no categorical caps). */
  studentCategories?: Readonly<Record<string, string>>;
  language?: string;
};

export const ACCURACY_TOLERANCE = 1.0;

/**
 * Both sides of a pair through the postfilter, each with its own categories: the one place a pair
 * becomes overall scores and tiers.
 * @example
 * const { oracle, student } = postfilterPair(filter, pair); oracle.tier === student.tier;
 */
export function postfilterPair(
  filter: PostfilterFilter,
  pair: ScoredPair,
): { oracle: PostfilterResult; student: PostfilterResult } {
  return {
    oracle: postfilter(filter, pair.oracle, pair.oracleCategories),
    student: postfilter(filter, pair.student, pair.studentCategories),
  };
}

/** Ranks with ties given their average rank (1-based). */
function ranks(values: readonly number[]): number[] {
  const order = values.map((value, index) => ({ value, index })).sort((a, b) => a.value - b.value);
  const result = new Array<number>(values.length);
  let i = 0;
  while (i < order.length) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]!.value === order[i]!.value) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) result[order[k]!.index] = rank;
    i = j + 1;
  }
  return result;
}

/** Spearman's rank correlation; null when undefined (fewer than 2 values or a constant side). */
export function spearman(a: readonly number[], b: readonly number[]): number | null {
  if (a.length !== b.length) throw new RangeError(`spearman: lengths differ (${a.length} vs ${b.length})`);
  if (a.length < 2) return null;
  const ra = ranks(a);
  const rb = ranks(b);
  const mean = (a.length + 1) / 2;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < ra.length; i++) {
    const da = ra[i]! - mean;
    const db = rb[i]! - mean;
    cov += da * db;
    va += da * da;
    vb += db * db;
  }
  if (va === 0 || vb === 0) return null;
  return Math.max(-1, Math.min(1, cov / Math.sqrt(va * vb)));
}

/** Confusion of oracle tier (rows) against student tier (columns), tiers highest first. */
export function tierConfusion(filter: PostfilterFilter, pairs: readonly ScoredPair[]): TierConfusion {
  const labels = filter.tiers.map((t) => t.key);
  const index = new Map(labels.map((key, i) => [key, i]));
  const matrix = labels.map(() => labels.map(() => 0));
  for (const pair of pairs) {
    const { oracle, student } = postfilterPair(filter, pair);
    matrix[index.get(oracle.tier)!]![index.get(student.tier)!]! += 1;
  }
  return { labels, matrix };
}

/** Oracle against student overall score per pair, for the scatter plot. */
export function scatterPoints(
  filter: PostfilterFilter,
  pairs: readonly ScoredPair[],
): { oracle: number; student: number; language: string }[] {
  return pairs.map((pair) => {
    const { oracle, student } = postfilterPair(filter, pair);
    return { oracle: oracle.overall, student: student.overall, language: pair.language ?? "und" };
  });
}

/**
 * Computes the quality bar's metrics over oracle/student pairs.
 * @example
 * const metrics = computeMetrics(filter, [{ oracle: { a: 7, b: 3 }, student: { a: 6.5, b: 3.2 } }]);
 * metrics.overall_mae; // 0.2…
 */
export function computeMetrics(filter: PostfilterFilter, pairs: readonly ScoredPair[]): Metrics {
  const n = pairs.length;
  const perDimension: Metrics["per_dimension"] = {};
  for (const dimension of filter.dimensions) {
    const oracle = pairs.map((p) => p.oracle[dimension.key]!);
    const student = pairs.map((p) => p.student[dimension.key]!);
    const mae = n === 0 ? 0 : oracle.reduce((sum, o, i) => sum + Math.abs(o - student[i]!), 0) / n;
    perDimension[dimension.key] = { mae, spearman: spearman(oracle, student) };
  }
  const oracleOverall: number[] = [];
  const studentOverall: number[] = [];
  let accurate = 0;
  let sameTier = 0;
  let overallError = 0;
  for (const pair of pairs) {
    const { oracle, student } = postfilterPair(filter, pair);
    oracleOverall.push(oracle.overall);
    studentOverall.push(student.overall);
    const error = Math.abs(oracle.overall - student.overall);
    overallError += error;
    if (error <= ACCURACY_TOLERANCE + 1e-9) accurate++;
    if (oracle.tier === student.tier) sameTier++;
  }
  const dimensionMaes = Object.values(perDimension).map((d) => d.mae);
  return {
    accuracy: n === 0 ? 0 : accurate / n,
    tier_agreement: n === 0 ? 0 : sameTier / n,
    overall_mae: n === 0 ? 0 : overallError / n,
    dimension_mae: dimensionMaes.reduce((a, b) => a + b, 0) / Math.max(1, dimensionMaes.length),
    overall_spearman: spearman(oracleOverall, studentOverall),
    per_dimension: perDimension,
    n,
  };
}

/** `computeMetrics` per language (pairs without a language count under `und`). */
export function metricsByLanguage(
  filter: PostfilterFilter,
  pairs: readonly ScoredPair[],
): Record<string, Metrics> {
  const groups = new Map<string, ScoredPair[]>();
  for (const pair of pairs) {
    const language = pair.language ?? "und";
    const group = groups.get(language) ?? [];
    group.push(pair);
    groups.set(language, group);
  }
  return Object.fromEntries(
    [...groups].sort(([a], [b]) => a.localeCompare(b)).map(([l, g]) => [l, computeMetrics(filter, g)]),
  );
}
