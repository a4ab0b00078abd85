/**
 * @module
 * The six charts of an evaluation report as vega-lite specs, built from an `EvalReport` alone: student
 * vs oracle overall scores (scatter), per-dimension MAE against the quality bar (bars, green when the
 * dimension meets the bar, red when not), the tier confusion heatmap, the training (or learning) curve,
 * the category confusion and the cascade curve with its 95% lower bounds (`curves.ts`, `categories.ts`).
 * A chart whose data the report lacks says why in its title.
 * Pure data in, JSON spec out: runs anywhere (workerd, Node, browser); turning a spec into a PNG is the
 * Node renderer's job (`@distillery/shared/node/charts`), so every surface shows the same picture.
 */
import type { TopLevelSpec } from "vega-lite";
import type { EvalReport } from "../schemas/report";
import { meetsQualityBar, QUALITY_BAR } from "../schemas/report";
import { categoryConfusionSpec } from "./categories";
import { cascadeSpec, trainingCurveSpec } from "./curves";
import { CHART_COLORS, chartFrame } from "./theme";

/** The names of the eval charts, in the order they are shown; also the PNG file stems. */
export const EVAL_CHART_NAMES = [
  "scatter",
  "dimension-mae",
  "tier-confusion",
  "loss-curve",
  "category-confusion",
  "cascade",
] as const;
export type EvalChartName = (typeof EVAL_CHART_NAMES)[number];

export type ChartSpec = { name: EvalChartName; title: string; spec: TopLevelSpec };

/** Student vs oracle overall score per test article, with the y = x line a perfect student would sit on. */
export function scatterSpec(report: EvalReport): ChartSpec {
  const title = `Student vs oracle (overall, n=${report.scatter.length})`;
  const scale = { domain: [0, 10] };
  return {
    name: "scatter",
    title,
    spec: {
      ...chartFrame(title),
      layer: [
        {
          data: {
            values: [
              { x: 0, y: 0 },
              { x: 10, y: 10 },
            ],
          },
          mark: { type: "line", color: CHART_COLORS.grid, strokeDash: [4, 4] },
          encoding: {
            x: { field: "x", type: "quantitative", scale },
            y: { field: "y", type: "quantitative", scale },
          },
        },
        {
          data: { values: report.scatter },
          mark: { type: "circle", opacity: 0.6, size: 30 },
          encoding: {
            x: { field: "oracle", type: "quantitative", title: "oracle overall", scale },
            y: { field: "student", type: "quantitative", title: "student overall", scale },
            color: { field: "language", type: "nominal", title: "language" },
          },
        },
      ],
    } as TopLevelSpec,
  };
}

/** Per-dimension MAE bars coloured against the dimension-MAE bar, with the bar drawn as a rule. */
export function dimensionMaeSpec(report: EvalReport): ChartSpec {
  const target = QUALITY_BAR.dimension_mae.target;
  const rows = Object.entries(report.metrics.per_dimension).map(([dimension, m]) => ({
    dimension,
    mae: m.mae,
    meets: meetsQualityBar("dimension_mae", m.mae) ? "meets the bar" : "misses the bar",
  }));
  const title = `MAE per dimension (bar: ≤ ${target})`;
  return {
    name: "dimension-mae",
    title,
    spec: {
      ...chartFrame(title),
      layer: [
        {
          data: { values: rows },
          mark: { type: "bar" },
          encoding: {
            y: { field: "dimension", type: "nominal", sort: null, title: null },
            x: { field: "mae", type: "quantitative", title: "mean absolute error (0-10 scale)" },
            color: {
              field: "meets",
              type: "nominal",
              title: null,
              scale: {
                domain: ["meets the bar", "misses the bar"],
                range: [CHART_COLORS.pass, CHART_COLORS.fail],
              },
              legend: { orient: "bottom" },
            },
          },
        },
        {
          data: { values: [{ target }] },
          mark: { type: "rule", color: CHART_COLORS.secondary, strokeDash: [6, 4], strokeWidth: 2 },
          encoding: { x: { field: "target", type: "quantitative" } },
        },
      ],
    } as TopLevelSpec,
  };
}

/** Oracle tier (rows) against student tier (columns), counts in the cells, highest tier first. */
export function tierConfusionSpec(report: EvalReport): ChartSpec {
  const { labels, matrix } = report.tier_confusion;
  const cells = labels.flatMap((oracle, i) =>
    labels.map((student, j) => ({ oracle, student, count: matrix[i]?.[j] ?? 0, agree: i === j })),
  );
  const darkFrom = Math.max(0, ...cells.map((c) => c.count)) / 2;
  const title = "Tier confusion (rows: oracle, columns: student)";
  const axisSort = { sort: labels };
  return {
    name: "tier-confusion",
    title,
    spec: {
      ...chartFrame(title),
      data: { values: cells },
      encoding: {
        x: {
          field: "student",
          type: "ordinal",
          title: "student tier",
          ...axisSort,
          // Long tier keys (e.g. early_deployment) would run into each other when level.
          axis: {
            orient: "top",
            labelAngle: Math.max(...labels.map((l) => l.length)) > 10 ? -30 : 0,
            labelAlign: Math.max(...labels.map((l) => l.length)) > 10 ? "left" : "center",
          },
        },
        y: { field: "oracle", type: "ordinal", title: "oracle tier", ...axisSort },
      },
      layer: [
        {
          mark: { type: "rect", stroke: CHART_COLORS.background, strokeWidth: 2 },
          encoding: {
            color: {
              field: "count",
              type: "quantitative",
              title: "articles",
              scale: { scheme: "blues" },
            },
          },
        },
        {
          mark: { type: "text", fontSize: 15, fontWeight: "bold" },
          encoding: {
            text: { field: "count", type: "quantitative" },
            // Light text on the dark cells, dark text on the pale ones.
            color: { condition: { test: `datum.count > ${darkFrom}`, value: "#ffffff" }, value: "#111214" },
          },
        },
      ],
    } as TopLevelSpec,
  };
}

/**
 * Every chart of an evaluation report, in display order.
 * @example
 * for (const chart of evalChartSpecs(report)) console.log(chart.name, chart.title);
 */
export function evalChartSpecs(report: EvalReport): ChartSpec[] {
  return [
    scatterSpec(report),
    dimensionMaeSpec(report),
    tierConfusionSpec(report),
    trainingCurveSpec(report),
    categoryConfusionSpec(report),
    cascadeSpec(report),
  ];
}
