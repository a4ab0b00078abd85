/**
 * @module
 * The two curves of an evaluation report. The training curve: loss per optimiser step for the LoRA
 * students, or, for students fitted in closed form (probe, lexical), a learning curve of training and
 * out-of-fold MAE against the number of training articles; the x axis says which. The cascade curve:
 * share sent to the oracle against tier agreement of the combined result, from the point with nothing
 * sent (the headline) through each coverage, with a band down to the 95% lower bound of each point and
 * the goal drawn as two rules.
 */
import type { TopLevelSpec } from "vega-lite";
import { CASCADE_GOAL } from "../cascade/index";
import type { EvalReport } from "../schemas/report";
import type { ChartSpec } from "./eval";
import { CHART_COLORS, chartFrame } from "./theme";

/** A reason short enough for a chart title (a long title would squeeze the plot: the picture has a fixed size). */
export function shortReason(reason: string | undefined, max = 48): string {
  const text = reason ?? "not computed";
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

const UNITS = {
  step: {
    title: "Training loss",
    x: "optimiser step",
    y: "loss",
    train: "training loss",
    validation: "validation loss",
  },
  train_articles: {
    title: "Learning curve",
    x: "training articles",
    y: "dimension MAE",
    train: "training MAE (in-sample)",
    validation: "out-of-fold MAE",
  },
} as const;

/** The training curve with its unit on the x axis, or an empty chart that says why there is none. */
export function trainingCurveSpec(report: Pick<EvalReport, "training_curve" | "missing">): ChartSpec {
  const curve = report.training_curve;
  const unit = UNITS[curve?.unit ?? "step"];
  const points = (curve?.points ?? []).flatMap((p) => [
    { x: p.x, loss: p.loss, series: unit.train },
    ...(p.val_loss === null ? [] : [{ x: p.x, loss: p.val_loss, series: unit.validation }]),
  ]);
  const title = curve ? unit.title : `Training curve (none: ${shortReason(report.missing.training_curve)})`;
  return {
    name: "loss-curve",
    title,
    spec: {
      ...chartFrame(title),
      data: { values: points },
      mark: { type: "line", point: true, strokeWidth: 2 },
      encoding: {
        x: { field: "x", type: "quantitative", title: unit.x },
        y: { field: "loss", type: "quantitative", title: unit.y, scale: { zero: false } },
        color: {
          field: "series",
          type: "nominal",
          title: null,
          scale: {
            domain: [unit.train, unit.validation],
            range: [CHART_COLORS.accent, CHART_COLORS.secondary],
          },
          legend: { orient: "top-right" },
        },
      },
    } as TopLevelSpec,
  };
}

/** The cascade trade-off: one point per coverage, the first with nothing sent, banded to its lower bound. */
export function cascadeSpec(report: Pick<EvalReport, "cascade" | "missing">): ChartSpec {
  const points = report.cascade.map((p) => ({
    ...p,
    label: p.coverage === null ? "nothing sent" : `${Math.round(p.coverage * 100)}%`,
  }));
  const title = points.length
    ? "Cascade: tier agreement, banded to its 95% lower bound"
    : `Cascade (none: ${shortReason(report.missing.cascade)})`;
  const x = {
    field: "share_to_oracle",
    type: "quantitative",
    title: "share sent to the oracle",
    axis: { format: "%" },
    scale: { domain: [0, 1] },
  } as const;
  const y = {
    type: "quantitative",
    title: "tier agreement",
    axis: { format: "%" },
    // An empty curve still gets readable axes (the goal rules alone would make a one-tick scale).
    scale: points.length ? { zero: false } : { domain: [0.5, 1] },
  };
  return {
    name: "cascade",
    title,
    spec: {
      ...chartFrame(title),
      layer: [
        {
          data: { values: points },
          mark: { type: "area", color: CHART_COLORS.accent, opacity: 0.25 },
          encoding: {
            x,
            y: { ...y, field: "tier_agreement_lower" },
            y2: { field: "tier_agreement" },
          },
        },
        {
          data: { values: points },
          mark: { type: "rule", color: CHART_COLORS.accent },
          encoding: { x, y: { ...y, field: "tier_agreement_lower" }, y2: { field: "tier_agreement" } },
        },
        {
          data: { values: points },
          mark: { type: "line", point: true, color: CHART_COLORS.accent, strokeWidth: 2 },
          encoding: { x, y: { ...y, field: "tier_agreement" } },
        },
        {
          data: { values: points.slice(1) },
          mark: { type: "text", dy: -10, color: CHART_COLORS.text },
          encoding: { x, y: { ...y, field: "tier_agreement" }, text: { field: "label" } },
        },
        {
          // The point with nothing sent sits on the y axis: its label goes to the right of it.
          data: { values: points.slice(0, 1) },
          mark: { type: "text", align: "left", dx: 8, dy: 4, color: CHART_COLORS.text },
          encoding: { x, y: { ...y, field: "tier_agreement" }, text: { field: "label" } },
        },
        {
          data: { values: [{ goal: CASCADE_GOAL.tier_agreement }] },
          mark: { type: "rule", strokeDash: [6, 4], color: CHART_COLORS.secondary },
          encoding: { y: { ...y, field: "goal" } },
        },
        {
          data: { values: [{ goal: CASCADE_GOAL.max_share_to_oracle }] },
          mark: { type: "rule", strokeDash: [6, 4], color: CHART_COLORS.secondary },
          encoding: { x: { ...x, field: "goal" } },
        },
      ],
    } as TopLevelSpec,
  };
}
