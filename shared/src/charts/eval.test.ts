import { describe, expect, it } from "vitest";
import { evalReportSchema, QUALITY_BAR } from "../schemas/report";
import { dimensionMaeSpec, EVAL_CHART_NAMES, evalChartSpecs, lossCurveSpec, tierConfusionSpec } from "./eval";
import { sampleEvalReport } from "./sample-report";

type Layered = { layer: { data?: { values: Record<string, unknown>[] } }[] };

describe("eval chart specs", () => {
  const report = evalReportSchema.parse(sampleEvalReport());

  it("builds the four charts in display order", () => {
    expect(evalChartSpecs(report).map((c) => c.name)).toEqual([...EVAL_CHART_NAMES]);
  });

  it("colours each dimension by whether its MAE meets the dimension bar", () => {
    const rows = (dimensionMaeSpec(report).spec as unknown as Layered).layer[0]!.data!.values;
    for (const row of rows) {
      const mae = report.metrics.per_dimension[row.dimension as string]!.mae;
      expect(row.meets).toBe(mae <= QUALITY_BAR.dimension_mae.target ? "meets the bar" : "misses the bar");
    }
    expect(rows.map((r) => r.meets)).toContain("misses the bar");
  });

  it("puts every confusion-matrix count in a cell", () => {
    const cells = (tierConfusionSpec(report).spec as unknown as { data: { values: { count: number }[] } })
      .data.values;
    const total = cells.reduce((sum, c) => sum + c.count, 0);
    expect(total).toBe(report.n_test);
    expect(cells).toHaveLength(report.tier_confusion.labels.length ** 2);
  });

  it("says so when a report has no training curve", () => {
    expect(lossCurveSpec({ ...report, training_curve: [] }).title).toMatch(/no curve recorded/);
  });
});
