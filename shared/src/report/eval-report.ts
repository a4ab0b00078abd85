/**
 * @module
 * The evaluation report, built in one place for every caller (the edge when an eval job finishes,
 * `distillery distill` from files): the student's and both baselines' metrics through the shared
 * `computeMetrics`, per language, tier confusion, the quality bar, a plain-language verdict, the
 * scatter of overall scores and the cascade trade-off curve when the model carries conformal scores.
 */
import { CASCADE_GOAL, cascadeCurve, cascadeGoalPoint, oracleCostPerArticle } from "../cascade/index";
import { postfilter } from "../filter/postfilter";
import { computeMetrics, metricsByLanguage, type ScoredPair, tierConfusion } from "../metrics/index";
import type { DatasetRow } from "../schemas/dataset";
import type { Prediction } from "../schemas/prediction";
import type { ConformalCalibration, TrainingCurve, TrainValidation } from "../schemas/result";
import type { FilterPackage } from "../schemas/filter";
import {
  type CascadePoint,
  type EvalReport,
  evalReportSchema,
  type Metrics,
  QUALITY_BAR,
} from "../schemas/report";

export type Scores = Record<string, number>;

export type EvalReportInput = {
  filter: FilterPackage;
  train: readonly DatasetRow[];
  test: readonly DatasetRow[];
  /**
   * The student's prediction per test article id (scores, its own categories, uncalibrated scores and
   * interval scale when it has them); every test article must have one.
   */
  student: ReadonlyMap<string, Prediction>;
  /** The lexical baseline's predictions per test article id (fitted on `train`), when it was fitted. */
  lexical: ReadonlyMap<string, Prediction> | null;
  /** The model's conformal calibration, when it carries one. */
  conformal: ConformalCalibration | null;
  model: EvalReport["model"];
  /** From the train job's result: curve, out-of-fold validation, and reasons for what it lacks. */
  training: {
    curve: TrainingCurve | null;
    validation: TrainValidation | null;
    missing: Record<string, string>;
  };
  /** Reasons for inputs the caller could not provide (e.g. `baselines.lexical`). */
  missing?: Record<string, string>;
  createdAt?: string;
};

function pairsFor(
  test: readonly DatasetRow[],
  predicted: ReadonlyMap<string, Scores>,
  what: string,
): ScoredPair[] {
  return test.map((row) => {
    const student = predicted.get(row.article_id);
    if (!student) throw new Error(`${what} has no prediction for test article '${row.article_id}'`);
    return { oracle: row.scores, student, categories: row.categories, language: row.language };
  });
}

/** Per-dimension median of the train split: the constant baseline. */
export function constantBaseline(filter: FilterPackage, train: readonly DatasetRow[]): Scores {
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  };
  return Object.fromEntries(
    filter.dimensions.map((d) => [d.key, median(train.map((r) => r.scores[d.key]!))]),
  );
}

export function qualityBar(metrics: Metrics): EvalReport["quality_bar"] {
  return Object.fromEntries(
    Object.entries(QUALITY_BAR).map(([key, bar]) => {
      const value = metrics[key as keyof typeof QUALITY_BAR];
      return [
        key,
        { value, target: bar.target, pass: bar.higher_is_better ? value >= bar.target : value <= bar.target },
      ];
    }),
  );
}

function verdict(
  metrics: Metrics,
  constant: Metrics,
  lexical: Metrics | null,
  goal: CascadePoint | null,
  curve: CascadePoint[],
): string[] {
  const lines: string[] = [];
  const failed = Object.entries(qualityBar(metrics)).filter(([, v]) => !v.pass);
  lines.push(
    failed.length === 0
      ? "The student meets every target of the quality bar."
      : `Below target on: ${failed.map(([k, v]) => `${k} (${round(v.value)} vs ${v.target})`).join(", ")}.`,
  );
  if (metrics.dimension_mae >= constant.dimension_mae)
    lines.push("The student does not beat the constant baseline: it has learnt nothing useful.");
  if (lexical) {
    const margin = lexical.dimension_mae - metrics.dimension_mae;
    lines.push(
      margin > 0.05
        ? `The student beats the lexical baseline (dimension MAE ${round(metrics.dimension_mae)} vs ${round(lexical.dimension_mae)}).`
        : `The student does not clearly beat the lexical baseline (dimension MAE ${round(metrics.dimension_mae)} vs ${round(lexical.dimension_mae)}): it is not worth its compute.`,
    );
  }
  if (curve.length > 0)
    lines.push(
      goal
        ? `Cascade goal met at coverage ${goal.coverage}: ${pct(goal.tier_agreement)} tier agreement with ${pct(goal.share_to_oracle)} sent to the oracle.`
        : `Cascade goal (>= ${pct(CASCADE_GOAL.tier_agreement)} tier agreement with <= ${pct(CASCADE_GOAL.max_share_to_oracle)} sent to the oracle) not met on this test split.`,
    );
  return lines;
}

const round = (value: number) => Math.round(value * 1000) / 1000;
const pct = (value: number) => `${Math.round(value * 1000) / 10}%`;

/** The oracle's price per call for this filter's test articles (the cascade's cost axis). */
export function oraclePricePerCall(filter: FilterPackage, test: readonly DatasetRow[]): number | null {
  const meanChars =
    test.reduce((sum, r) => sum + r.title.length + r.body.length, 0) / Math.max(1, test.length);
  return oracleCostPerArticle(filter, { articleChars: meanChars });
}

/**
 * Builds and validates the evaluation report.
 * @example
 * const report = buildEvalReport({ filter, train, test, student, lexical: null, conformalScores: null, model, trainingCurve: [] });
 */
export function buildEvalReport(input: EvalReportInput): EvalReport {
  const { filter, test } = input;
  const studentPairs = pairsFor(test, input.student, "the student");
  const metrics = computeMetrics(filter, studentPairs);
  const constantScores = constantBaseline(filter, input.train);
  const constant = computeMetrics(
    filter,
    test.map((row) => ({ oracle: row.scores, student: constantScores, categories: row.categories })),
  );
  const lexical = input.lexical
    ? computeMetrics(filter, pairsFor(test, input.lexical, "the lexical baseline"))
    : null;
  const curve = input.conformalScores
    ? cascadeCurve(filter, studentPairs, input.conformalScores, {
        usdPerArticle: oraclePricePerCall(filter, test) ?? 0,
      })
    : [];
  return evalReportSchema.parse({
    filter: filter.name,
    filter_version: filter.version,
    model: input.model,
    n_test: test.length,
    metrics,
    baselines: { constant, lexical },
    per_language: metricsByLanguage(filter, studentPairs),
    tier_confusion: tierConfusion(filter, studentPairs),
    quality_bar: qualityBar(metrics),
    verdict: verdict(metrics, constant, lexical, cascadeGoalPoint(curve), curve),
    training_curve: input.trainingCurve,
    cascade: curve,
    scatter: studentPairs.map((p) => ({
      oracle: postfilter(filter, p.oracle, p.categories).overall,
      student: postfilter(filter, p.student, p.categories).overall,
      language: p.language ?? "und",
    })),
    created_at: input.createdAt ?? new Date().toISOString(),
  });
}
