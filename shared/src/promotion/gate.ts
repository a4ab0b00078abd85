/**
 * @module
 * The promotion gate: does a candidate model beat the filter's promoted model (the incumbent) on the
 * same test articles? Only articles whose label was randomly selected count (a label picked because
 * a student was unsure, or named by hand, would tilt the comparison); articles either model did not
 * predict are left out too, and both counts are reported. The figures are the quality bar's own
 * (`computeMetrics`); the standard error is that of the paired per-article difference, so the same
 * hard articles do not count against one model only. Pure: the edge loads the evidence, the CLI and
 * bot print the result.
 */

import { TESTABLE_SELECTIONS } from "../dataset/build";
import type { PostfilterFilter } from "../filter/postfilter";
import { computeMetrics, postfilterPair, type ScoredPair } from "../metrics/index";
import { needleMetrics } from "../metrics/needle";
import type { LabelSelection } from "../schemas/label";
import {
  type PromotionCheck,
  type PromotionComparison,
  type PromotionPolicy,
  promotionPolicySchema,
} from "./schemas";

/** A model's answer for one article: its scores and its own categorical answers. */
export type GatePrediction = {
  scores: Readonly<Record<string, number>>;
  categories?: Readonly<Record<string, string>>;
};

/** One test article of the candidate's dataset: the oracle label and each model's prediction. */
export type GateArticle = {
  article_id: string;
  /**
   * How the label's article was chosen; what a test split may hold counts (`TESTABLE_SELECTIONS`:
   * random, and labels from before provenance was kept), never an uncertain, named or audit pick.
   */
  selection: LabelSelection;
  oracle: Readonly<Record<string, number>>;
  oracleCategories?: Readonly<Record<string, string>>;
  /** Null when the model has no prediction for the article (then it is left out). */
  candidate: GatePrediction | null;
  incumbent: GatePrediction | null;
};

export type GateInput = {
  filter: PostfilterFilter & { name: string };
  candidate_model_id: string;
  /** The promoted model; null when the filter has none (the candidate is then promoted). */
  incumbent_model_id: string | null;
  articles: readonly GateArticle[];
  policy?: Partial<PromotionPolicy>;
  eval_job_ids?: { candidate: string; incumbent: string } | null;
};

const round = (value: number) => Math.round(value * 10_000) / 10_000;

/** Mean and standard error of the mean of paired differences (sample SD / √n); SE null below two. */
export function pairedDifference(differences: readonly number[]): {
  mean: number;
  standard_error: number | null;
} {
  const n = differences.length;
  if (n === 0) return { mean: 0, standard_error: null };
  const mean = differences.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, standard_error: null };
  const variance = differences.reduce((sum, d) => sum + (d - mean) ** 2, 0) / (n - 1);
  return { mean, standard_error: Math.sqrt(variance / n) };
}

function pairOf(article: GateArticle, prediction: GatePrediction): ScoredPair {
  return {
    oracle: article.oracle,
    oracleCategories: article.oracleCategories,
    student: prediction.scores,
    studentCategories: prediction.categories,
  };
}

/** Mean absolute error over the filter's dimensions of one article (the per-article dimension MAE). */
function articleDimensionError(filter: PostfilterFilter, pair: ScoredPair): number {
  const errors = filter.dimensions.map((d) => Math.abs(pair.oracle[d.key]! - pair.student[d.key]!));
  return errors.reduce((a, b) => a + b, 0) / Math.max(1, errors.length);
}

function tierAgreementCheck(
  filter: PostfilterFilter,
  candidate: ScoredPair[],
  incumbent: ScoredPair[],
  rule: PromotionPolicy["tier_agreement"],
): PromotionCheck {
  const candidateRate = computeMetrics(filter, candidate).tier_agreement;
  const incumbentRate = computeMetrics(filter, incumbent).tier_agreement;
  const agrees = (pair: ScoredPair) => {
    const { oracle, student } = postfilterPair(filter, pair);
    return oracle.tier === student.tier ? 1 : 0;
  };
  const paired = pairedDifference(candidate.map((pair, i) => agrees(pair) - agrees(incumbent[i]!)));
  const difference = candidateRate - incumbentRate;
  const minGain = rule === "not_lower" ? 0 : rule.min_gain;
  const pass = difference >= minGain - 1e-12;
  const wanted = rule === "not_lower" ? "not lower than the incumbent's" : `at least ${minGain} higher`;
  return {
    name: "tier_agreement",
    candidate: round(candidateRate),
    incumbent: round(incumbentRate),
    difference: round(difference),
    standard_error: paired.standard_error === null ? null : round(paired.standard_error),
    pass,
    explanation: `tier agreement ${round(candidateRate)} (candidate) vs ${round(incumbentRate)} (production), difference ${round(difference)}: must be ${wanted}; ${pass ? "it is" : "it is not"}`,
  };
}

function dimensionMaeCheck(
  filter: PostfilterFilter,
  candidate: ScoredPair[],
  incumbent: ScoredPair[],
  rule: PromotionPolicy["dimension_mae"],
): PromotionCheck {
  const candidateMae = computeMetrics(filter, candidate).dimension_mae;
  const incumbentMae = computeMetrics(filter, incumbent).dimension_mae;
  const paired = pairedDifference(
    candidate.map(
      (pair, i) => articleDimensionError(filter, pair) - articleDimensionError(filter, incumbent[i]!),
    ),
  );
  const difference = candidateMae - incumbentMae;
  const se = paired.standard_error;
  let pass: boolean;
  let wanted: string;
  if (rule === "lower_by_se") {
    // No standard error (under two articles) means no evidence either way: the incumbent stays.
    pass = se !== null && -difference > se;
    wanted = `lower by more than the standard error of the paired difference (${se === null ? "undefined with fewer than 2 articles" : round(se)})`;
  } else {
    pass = -difference >= rule.min_gain - 1e-12;
    wanted = `lower by at least ${rule.min_gain}`;
  }
  return {
    name: "dimension_mae",
    candidate: round(candidateMae),
    incumbent: round(incumbentMae),
    difference: round(difference),
    standard_error: se === null ? null : round(se),
    pass,
    explanation: `dimension MAE ${round(candidateMae)} (candidate) vs ${round(incumbentMae)} (production), difference ${round(difference)}: must be ${wanted}; ${pass ? "it is" : "it is not"}`,
  };
}

/** Top-tier recall (the needle metric), candidate against incumbent, on the oracle's top-tier articles. */
function topTierRecallCheck(
  filter: PostfilterFilter,
  candidate: ScoredPair[],
  incumbent: ScoredPair[],
): PromotionCheck {
  const candidateNeedle = needleMetrics(filter, candidate);
  const incumbentNeedle = needleMetrics(filter, incumbent);
  const top = new Set(candidateNeedle.top_tiers);
  const found = (pair: ScoredPair) => (top.has(postfilterPair(filter, pair).student.tier) ? 1 : 0);
  const relevant = candidate
    .map((pair, i) => ({ pair, i }))
    .filter(({ pair }) => top.has(postfilterPair(filter, pair).oracle.tier));
  const paired = pairedDifference(relevant.map(({ pair, i }) => found(pair) - found(incumbent[i]!)));
  if (candidateNeedle.recall === null || incumbentNeedle.recall === null) {
    return {
      name: "top_tier_recall",
      candidate: 0,
      incumbent: 0,
      difference: 0,
      standard_error: null,
      pass: true,
      explanation: `no compared article is in the oracle's top tier (${[...top].join(", ")}): top-tier recall cannot tell the models apart`,
    };
  }
  const difference = candidateNeedle.recall - incumbentNeedle.recall;
  const pass = difference >= -1e-12;
  return {
    name: "top_tier_recall",
    candidate: round(candidateNeedle.recall),
    incumbent: round(incumbentNeedle.recall),
    difference: round(difference),
    standard_error: paired.standard_error === null ? null : round(paired.standard_error),
    pass,
    explanation: `top-tier recall ${round(candidateNeedle.recall)} (candidate) vs ${round(incumbentNeedle.recall)} (production) on ${relevant.length} top-tier articles: must be not lower; ${pass ? "it is" : "it is not"}`,
  };
}

/**
 * Compares a candidate with the promoted model on the articles both predicted whose label was
 * randomly selected, under the policy (defaults: tier agreement not lower, dimension MAE lower by
 * more than its standard error; top-tier recall not lower when the policy asks). No incumbent: the candidate is promoted as the filter's first model.
 * @example
 * const result = promotionGate({ filter, candidate_model_id: "mdl_b", incumbent_model_id: "mdl_a", articles });
 * result.decision; // "promote" | "refuse"
 */
export function promotionGate(input: GateInput): PromotionComparison {
  const policy = promotionPolicySchema.parse(input.policy ?? {});
  const base = {
    candidate_model_id: input.candidate_model_id,
    incumbent_model_id: input.incumbent_model_id,
    policy,
    eval_job_ids: input.eval_job_ids ?? null,
  };
  if (input.incumbent_model_id === null) {
    return {
      ...base,
      decision: "promote",
      checks: [],
      n: 0,
      excluded_non_random: 0,
      excluded_unpredicted: 0,
      summary: `no model is promoted for ${input.filter.name} yet: ${input.candidate_model_id} is promoted as the first`,
    };
  }
  const predicted = input.articles.filter((a) => a.candidate !== null && a.incumbent !== null);
  const counted = predicted.filter((a) => TESTABLE_SELECTIONS.includes(a.selection));
  const candidate = counted.map((a) => pairOf(a, a.candidate!));
  const incumbent = counted.map((a) => pairOf(a, a.incumbent!));
  const excluded = {
    n: counted.length,
    excluded_non_random: predicted.length - counted.length,
    excluded_unpredicted: input.articles.length - predicted.length,
  };
  if (counted.length === 0) {
    return {
      ...base,
      ...excluded,
      decision: "refuse",
      checks: [],
      summary: `no randomly selected test article was predicted by both models: nothing to compare ${input.candidate_model_id} with ${input.incumbent_model_id} on`,
    };
  }
  const checks = [
    tierAgreementCheck(input.filter, candidate, incumbent, policy.tier_agreement),
    dimensionMaeCheck(input.filter, candidate, incumbent, policy.dimension_mae),
  ];
  if (policy.needle) checks.push(topTierRecallCheck(input.filter, candidate, incumbent));
  const failed = checks.filter((c) => !c.pass).map((c) => c.name);
  const decision = failed.length === 0 ? "promote" : "refuse";
  const on = `on ${counted.length} randomly selected test articles (${excluded.excluded_non_random} non-random left out)`;
  return {
    ...base,
    ...excluded,
    decision,
    checks,
    summary:
      decision === "promote"
        ? `${input.candidate_model_id} is better than production (${input.incumbent_model_id}) ${on}`
        : `${input.candidate_model_id} is not better than production (${input.incumbent_model_id}) ${on}: ${failed.join(", ")} failed`,
  };
}
