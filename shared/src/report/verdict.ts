/**
 * @module
 * The eval report's verdict: the quality bar per metric, and the lines of plain text that say where
 * the student stands (the bar, tier agreement with its 95% lower bound, the constant and lexical
 * baselines, categories, the cascade goal). Every line is true of the figures it is given.
 */
import { CASCADE_GOAL, cascadeGoalPoint } from "../cascade/index";
import { wilsonLowerBound } from "../metrics/index";
import {
  type CascadePoint,
  type EvalReport,
  type Metrics,
  meetsQualityBar,
  QUALITY_BAR,
  type QualityMetric,
} from "../schemas/report";

/** Each metric of the quality bar: its value, target and whether it passes. */
export function qualityBar(metrics: Metrics): EvalReport["quality_bar"] {
  return Object.fromEntries(
    (Object.keys(QUALITY_BAR) as QualityMetric[]).map((key) => {
      const value = metrics[key];
      return [key, { value, target: QUALITY_BAR[key].target, pass: meetsQualityBar(key, value) }];
    }),
  );
}

/**
 * How much lower than the lexical baseline's a student's dimension MAE must be for the report to say it
 * "clearly" beats it: 5% of the baseline's MAE.
 */
export const CLEAR_MARGIN = 0.05;

const round = (value: number) => Math.round(value * 1000) / 1000;
const pct = (value: number) => `${Math.round(value * 1000) / 10}%`;

export type VerdictInput = {
  metrics: Metrics;
  constant: Metrics;
  lexical: Metrics | null;
  curve: CascadePoint[];
  missing: Record<string, string>;
  studentPredictsCategories: boolean;
  filterHasCategories: boolean;
};

export function evalVerdict(v: VerdictInput): string[] {
  const { metrics, constant, lexical, curve, missing } = v;
  const lines: string[] = [];
  const failed = Object.entries(qualityBar(metrics)).filter(([, bar]) => !bar.pass);
  lines.push(
    failed.length === 0
      ? "The student meets every target of the quality bar."
      : `Below target on: ${failed.map(([k, bar]) => `${k} (${round(bar.value)} vs ${bar.target})`).join(", ")}.`,
  );
  const agreeing = Math.round(metrics.tier_agreement * metrics.n);
  lines.push(
    `Tier agreement ${pct(metrics.tier_agreement)} on ${metrics.n} test articles: at least ${pct(wilsonLowerBound(agreeing, metrics.n))} with 95% confidence.`,
  );
  if (metrics.dimension_mae >= constant.dimension_mae)
    lines.push(
      `The student does not beat the constant baseline (dimension MAE ${round(metrics.dimension_mae)} vs ${round(constant.dimension_mae)}): it has learnt nothing useful.`,
    );
  if (lexical) {
    const compared = `dimension MAE ${round(metrics.dimension_mae)} vs ${round(lexical.dimension_mae)}`;
    if (metrics.dimension_mae <= lexical.dimension_mae * (1 - CLEAR_MARGIN))
      lines.push(`The student clearly beats the lexical baseline (${compared}).`);
    else if (metrics.dimension_mae < lexical.dimension_mae)
      lines.push(
        `The student beats the lexical baseline only narrowly (${compared}, less than ${CLEAR_MARGIN * 100}% lower): it is not clearly worth its compute.`,
      );
    else
      lines.push(
        `The student does not beat the lexical baseline (${compared}): it is not worth its compute.`,
      );
  } else {
    lines.push(`No lexical baseline to compare with: ${missing["baselines.lexical"]}.`);
  }
  if (v.filterHasCategories && !v.studentPredictsCategories)
    lines.push(
      "The student predicts no categories: its overall scores get no categorical caps, as in production.",
    );
  if (curve.length > 0) {
    const goal = cascadeGoalPoint(curve);
    const target = `>= ${pct(CASCADE_GOAL.tier_agreement)} tier agreement with <= ${pct(CASCADE_GOAL.max_share_to_oracle)} sent to the oracle`;
    // A goal met by the point estimate alone is reported, but not as a certainty.
    const unsure =
      goal && goal.tier_agreement_lower < CASCADE_GOAL.tier_agreement
        ? ` Not yet sure on ${metrics.n} test articles: the lower bound is below the goal.`
        : "";
    if (goal && goal.coverage === null)
      lines.push(
        `Cascade goal (${target}) met with nothing sent to the oracle: the student alone reaches ${pct(goal.tier_agreement)} (95% lower bound ${pct(goal.tier_agreement_lower)}).${unsure}`,
      );
    else if (goal)
      lines.push(
        `Cascade goal (${target}) met at coverage ${pct(goal.coverage!)}: ${pct(goal.tier_agreement)} tier agreement (95% lower bound ${pct(goal.tier_agreement_lower)}) with ${pct(goal.share_to_oracle)} sent to the oracle.${unsure}`,
      );
    else lines.push(`Cascade goal (${target}) not met on this test split.`);
  } else {
    lines.push(`No cascade curve: ${missing.cascade}.`);
  }
  return lines;
}
