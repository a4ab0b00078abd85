/**
 * @module
 * The evaluation report, built in one place for every caller (the edge when an eval job finishes,
 * `distillery distill` from files): the student's and both baselines' metrics through the shared
 * `computeMetrics` (each side postfiltered with its own categories: never the oracle's for the
 * student), per language, tier confusion, per-category accuracy and confusion, the quality bar, what
 * isotonic calibration did on the test split, the train job's out-of-fold validation and training
 * curve, the scatter of overall scores, the cascade curve (starting at the headline, with 95% lower
 * bounds and coverage reached), the needle metrics of the top tier for the student and both baselines
 * (`metrics/needle-report.ts`), and a verdict whose every line is true (`verdict.ts`). A field that cannot be filled
 * is null or empty with its reason in `missing`.
 */
import { CASCADE_COVERAGES, cascadeCurve, oracleCostPerArticle } from "../cascade/index";
import {
  categoryMetrics,
  computeMetrics,
  metricsByLanguage,
  type ScoredPair,
  scatterPoints,
  tierConfusion,
} from "../metrics/index";
import { needleSection } from "../metrics/needle-report";
import type { DatasetRow } from "../schemas/dataset";
import type { FilterPackage } from "../schemas/filter";
import type { Prediction } from "../schemas/prediction";
import { type CascadePoint, type EvalReport, evalReportSchema } from "../schemas/report";
import type {
  CalibrationEffect,
  ConformalCalibration,
  TrainingCurve,
  TrainValidation,
} from "../schemas/result";
import { evalVerdict, qualityBar } from "./verdict";

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
  predicted: ReadonlyMap<string, Prediction>,
  what: string,
): ScoredPair[] {
  return test.map((row) => {
    const prediction = predicted.get(row.article_id);
    if (!prediction) throw new Error(`${what} has no prediction for test article '${row.article_id}'`);
    return {
      oracle: row.scores,
      oracleCategories: row.categories,
      student: prediction.scores,
      ...(prediction.categories ? { studentCategories: prediction.categories } : {}),
      language: row.language,
    };
  });
}

/**
 * The constant baseline, fitted on the train split: the per-dimension median score and, per
 * categorical field, the most frequent value (ties go to the value listed first in the filter).
 * @example
 * constantBaseline(filter, train) // { scores: { deployment: 4.5, … }, categories: { content_type: "news" } }
 */
export function constantBaseline(
  filter: Pick<FilterPackage, "dimensions" | "categories">,
  train: readonly DatasetRow[],
): { scores: Scores; categories: Record<string, string> } {
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    if (sorted.length === 0) return 0;
    return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  };
  const categories: Record<string, string> = {};
  for (const category of filter.categories) {
    const counts = new Map<string, number>();
    for (const row of train) {
      const value = row.categories[category.key];
      if (value !== undefined) counts.set(value, (counts.get(value) ?? 0) + 1);
    }
    let best: string | undefined;
    for (const { key } of category.values)
      if ((counts.get(key) ?? 0) > (best === undefined ? 0 : counts.get(best)!)) best = key;
    if (best !== undefined) categories[category.key] = best;
  }
  return {
    scores: Object.fromEntries(
      filter.dimensions.map((d) => [d.key, median(train.map((r) => r.scores[d.key]!))]),
    ),
    categories,
  };
}

/**
 * Per-dimension test MAE before and after the student's isotonic calibration, from the predictions'
 * `uncalibrated_scores`; `applied` when calibration changed any test score of that dimension. Null
 * with a reason when the predictions do not carry uncalibrated scores.
 */
export function calibrationOnTest(
  filter: Pick<FilterPackage, "dimensions">,
  test: readonly DatasetRow[],
  student: ReadonlyMap<string, Prediction>,
): { calibration: CalibrationEffect | null; reason: string | null } {
  const predictions = test.map((row) => student.get(row.article_id)!);
  const without = predictions.filter((p) => p.uncalibrated_scores === undefined).length;
  if (test.length === 0) return { calibration: null, reason: "the test split is empty" };
  if (without === predictions.length)
    return {
      calibration: null,
      reason:
        "the student's predictions carry no uncalibrated scores (this student has no isotonic calibration)",
    };
  if (without > 0)
    return {
      calibration: null,
      reason: `${without} of ${predictions.length} test predictions carry no uncalibrated scores`,
    };
  const calibration: CalibrationEffect = {};
  for (const dimension of filter.dimensions) {
    let before = 0;
    let after = 0;
    let applied = false;
    test.forEach((row, i) => {
      const p = predictions[i]!;
      const raw = p.uncalibrated_scores![dimension.key]!;
      const calibrated = p.scores[dimension.key]!;
      before += Math.abs(raw - row.scores[dimension.key]!);
      after += Math.abs(calibrated - row.scores[dimension.key]!);
      if (Math.abs(raw - calibrated) > 1e-9) applied = true;
    });
    calibration[dimension.key] = {
      mae_before: before / test.length,
      mae_after: after / test.length,
      applied,
    };
  }
  return { calibration, reason: null };
}

/** The oracle's price per call for this filter's test articles (the cascade's cost axis). */
export function oraclePricePerCall(filter: FilterPackage, test: readonly DatasetRow[]): number | null {
  const meanChars =
    test.reduce((sum, r) => sum + r.title.length + r.body.length, 0) / Math.max(1, test.length);
  return oracleCostPerArticle(filter, { articleChars: meanChars });
}

/**
 * Python's eval result names what it lacks by its own field names; the report by its own. A reason
 * given under either name is used.
 */
const MISSING_ALIASES: Record<string, string[]> = {
  "baselines.lexical": ["lexical_baseline"],
  cascade: ["conformal"],
};

/** The default reason for each report field that can be null or empty. */
const DEFAULT_REASONS: Record<string, string> = {
  "baselines.lexical": "the eval job fitted no lexical baseline (it was given no train split)",
  training_curve: "the train result has no training curve",
  validation: "the train result has no out-of-fold validation figures",
  cascade: "the model carries no conformal calibration",
  categories: "the student predicts no categories",
};

function cascadeFor(
  input: EvalReportInput,
  pairs: ScoredPair[],
): { curve: CascadePoint[]; reason: string | null } {
  const { conformal, filter, test } = input;
  if (!conformal) return { curve: [], reason: null };
  if (test.length === 0) return { curve: [], reason: "the test split is empty" };
  const scales = test.map((row) => input.student.get(row.article_id)!.overall_scale);
  const unscaled = scales.filter((s) => s === undefined).length;
  if (conformal.method === "normalized" && unscaled > 0)
    return {
      curve: [],
      reason: `the calibration is normalized but ${unscaled} of ${test.length} test predictions carry no overall_scale`,
    };
  const coverages = [...new Set([...CASCADE_COVERAGES, conformal.default_coverage])];
  const curve = cascadeCurve(
    filter,
    pairs.map((pair, i) => ({ ...pair, ...(scales[i] === undefined ? {} : { scale: scales[i] }) })),
    conformal,
    { usdPerArticle: oraclePricePerCall(filter, test), coverages },
  );
  return { curve, reason: null };
}

/**
 * Builds and validates the evaluation report.
 * @example
 * const report = buildEvalReport({
 *   filter, train, test, student, lexical, conformal, model,
 *   training: { curve: train.training_curve, validation: train.validation, missing: train.missing },
 *   missing: evalResult.missing,
 * });
 */
export function buildEvalReport(input: EvalReportInput): EvalReport {
  const { filter, test } = input;
  const studentPairs = pairsFor(test, input.student, "the student");
  const metrics = computeMetrics(filter, studentPairs);
  const constantAnswer = constantBaseline(filter, input.train);
  const constantPairs = test.map((row) => ({
    oracle: row.scores,
    oracleCategories: row.categories,
    student: constantAnswer.scores,
    studentCategories: constantAnswer.categories,
  }));
  const constant = computeMetrics(filter, constantPairs);
  const lexicalPairs = input.lexical ? pairsFor(test, input.lexical, "the lexical baseline") : null;
  const lexical = lexicalPairs ? computeMetrics(filter, lexicalPairs) : null;
  const cascade = cascadeFor(input, studentPairs);
  const categories = categoryMetrics(filter, studentPairs);
  const studentPredictsCategories = studentPairs.some(
    (p) => p.studentCategories && Object.keys(p.studentCategories).length > 0,
  );
  const calibration = calibrationOnTest(filter, test, input.student);

  const given = { ...input.training.missing, ...(input.missing ?? {}) };
  // The caller's reason first (it knows why it could not provide an input), then what this build found.
  const reasonFor = (field: string, found?: string | null) =>
    [field, ...(MISSING_ALIASES[field] ?? [])].map((key) => given[key]).find((r) => r !== undefined) ??
    found ??
    DEFAULT_REASONS[field] ??
    "not computed";
  const missing: Record<string, string> = {};
  if (!lexical) missing["baselines.lexical"] = reasonFor("baselines.lexical");
  if (!input.training.curve) missing.training_curve = reasonFor("training_curve");
  if (!input.training.validation) missing.validation = reasonFor("validation");
  if (!calibration.calibration) missing.calibration = reasonFor("calibration", calibration.reason);
  if (cascade.curve.length === 0) missing.cascade = reasonFor("cascade", cascade.reason);
  else if (cascade.curve.some((point) => point.usd_per_1000 === null))
    missing["cascade.usd_per_1000"] =
      `the price table does not know the oracle model '${filter.oracle.model}': the cascade's cost is unknown`;
  if (Object.keys(categories).length === 0)
    missing.categories = reasonFor(
      "categories",
      filter.categories.length === 0
        ? "the filter has no categorical fields"
        : test.length === 0
          ? "the test split is empty"
          : studentPredictsCategories
            ? "no test article has both the student's and the oracle's answer for any categorical field"
            : null,
    );
  else
    for (const category of filter.categories)
      if (!categories[category.key])
        missing[`categories.${category.key}`] = studentPairs.some(
          (p) => p.studentCategories?.[category.key] !== undefined,
        )
          ? "no test article has the oracle's answer for this field"
          : "the student does not predict this field";
  const needle = needleSection(
    filter,
    { student: studentPairs, constant: constantPairs, lexical: lexicalPairs },
    missing["baselines.lexical"],
  );
  Object.assign(missing, needle.missing);
  if (test.length === 0) {
    missing.scatter = "the test split is empty";
    missing.per_language = "the test split is empty";
  }

  return evalReportSchema.parse({
    filter: filter.name,
    filter_version: filter.version,
    model: input.model,
    n_test: test.length,
    metrics,
    baselines: { constant, lexical },
    needle: needle.needle,
    baselines_needle: needle.baselines_needle,
    per_language: metricsByLanguage(filter, studentPairs),
    tier_confusion: tierConfusion(filter, studentPairs),
    quality_bar: qualityBar(metrics),
    verdict: [
      ...evalVerdict({
        metrics,
        constant,
        lexical,
        curve: cascade.curve,
        missing,
        studentPredictsCategories,
        filterHasCategories: filter.categories.length > 0,
      }),
      ...(needle.verdict ? [needle.verdict] : []),
    ],
    training_curve: input.training.curve,
    validation: input.training.validation,
    calibration: calibration.calibration,
    categories,
    cascade: cascade.curve,
    missing,
    scatter: scatterPoints(filter, studentPairs),
    created_at: input.createdAt ?? new Date().toISOString(),
  });
}
