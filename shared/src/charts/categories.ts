/**
 * @module
 * The category chart: for every categorical field the student predicts, the oracle's value (rows)
 * against the student's (columns), all fields in one block-diagonal heatmap (`field: value` on both
 * axes, cells only within a field) so any number of fields fits one picture of the fixed size. The
 * title gives each field's accuracy, or why there is none.
 */
import type { TopLevelSpec } from "vega-lite";
import type { EvalReport } from "../schemas/report";
import { shortReason } from "./curves";
import type { ChartSpec } from "./eval";
import { CHART_COLORS, chartFrame } from "./theme";

/** Oracle value (rows) against student value (columns) for each categorical field. */
export function categoryConfusionSpec(report: Pick<EvalReport, "categories" | "missing">): ChartSpec {
  const fields = Object.entries(report.categories);
  // With one field its name is in the title; with more, each value is prefixed with its field.
  const name = (key: string, value: string) => (fields.length > 1 ? `${key}: ${value}` : value);
  const order = fields.flatMap(([key, c]) => c.labels.map((label) => name(key, label)));
  const cells = fields.flatMap(([key, c]) =>
    c.labels.flatMap((oracle, i) =>
      c.labels.map((student, j) => ({
        oracle: name(key, oracle),
        student: name(key, student),
        count: c.matrix[i]?.[j] ?? 0,
      })),
    ),
  );
  const darkFrom = Math.max(0, ...cells.map((c) => c.count)) / 2;
  const accuracy = fields.map(([key, c]) => `${key} ${Math.round(c.accuracy * 1000) / 10}% of ${c.n}`);
  const title = fields.length
    ? `Category accuracy: ${accuracy.join(", ")}`
    : `Categories (none: ${shortReason(report.missing.categories)})`;
  const longest = Math.max(0, ...order.map((l) => l.length));
  return {
    name: "category-confusion",
    title,
    spec: {
      ...chartFrame(title.length > 64 ? `${title.slice(0, 63)}…` : title),
      data: { values: cells },
      encoding: {
        x: {
          field: "student",
          type: "ordinal",
          title: "student's category (rows: the oracle's)",
          sort: order,
          axis: {
            orient: "top",
            labelAngle: longest > 10 ? -30 : 0,
            labelAlign: longest > 10 ? "left" : "center",
          },
        },
        y: {
          field: "oracle",
          type: "ordinal",
          title: "oracle's category",
          sort: order,
          axis: { labelLimit: 220 },
        },
      },
      layer: [
        {
          mark: { type: "rect", stroke: CHART_COLORS.background, strokeWidth: 2 },
          encoding: {
            color: { field: "count", type: "quantitative", title: "articles", scale: { scheme: "blues" } },
          },
        },
        {
          mark: { type: "text", fontSize: 13, fontWeight: "bold" },
          encoding: {
            text: { field: "count", type: "quantitative" },
            color: { condition: { test: `datum.count > ${darkFrom}`, value: "#ffffff" }, value: "#111214" },
          },
        },
      ],
    } as TopLevelSpec,
  };
}
