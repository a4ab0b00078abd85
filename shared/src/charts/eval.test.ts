import { describe, expect, it } from "vitest";
import { evalReportSchema, QUALITY_BAR } from "../schemas/report";
import { categoryConfusionSpec } from "./categories";
import { cascadeSpec, trainingCurveSpec } from "./curves";
import { dimensionMaeSpec, EVAL_CHART_NAMES, evalChartSpecs, tierConfusionSpec } from "./eval";
import { sampleEvalReport } from "./sample-report";

type Layered = { layer: { data?: { values: Record<string, unknown>[] } }[] };

describe("eval chart specs", () => {
  const report = evalReportSchema.parse(sampleEvalReport());

  it("builds the six charts in display order", () => {
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

  it("puts the training curve's unit on the x axis, and says why when there is none", () => {
    type Single = { encoding: { x: { title: string } }; data: { values: { x: number; series: string }[] } };
    const steps = trainingCurveSpec(report).spec as unknown as Single;
    expect(steps.encoding.x.title).toBe("optimiser step");
    expect(steps.data.values.map((v) => v.series)).toContain("validation loss");
    const learning = trainingCurveSpec({
      ...report,
      training_curve: { unit: "train_articles", points: [{ x: 200, loss: 0.4, val_loss: 0.8 }] },
    });
    expect(learning.title).toBe("Learning curve");
    expect((learning.spec as unknown as Single).encoding.x.title).toBe("training articles");
    const none = trainingCurveSpec({
      ...report,
      training_curve: null,
      missing: { training_curve: "the train result has no training curve" },
    });
    expect(none.title).toBe("Training curve (none: the train result has no training curve)");
  });

  it("draws each category's confusion and titles it with the accuracy", () => {
    const chart = categoryConfusionSpec(report);
    const cells = (chart.spec as unknown as { data: { values: { count: number; oracle: string }[] } }).data
      .values;
    const field = report.categories.content_type!;
    expect(cells.reduce((sum, c) => sum + c.count, 0)).toBe(field.n);
    expect(cells[0]!.oracle).toBe("news");
    expect(chart.title).toContain(`content_type ${Math.round(field.accuracy * 1000) / 10}% of ${field.n}`);
    expect(
      categoryConfusionSpec({ categories: {}, missing: { categories: "the student predicts no categories" } })
        .title,
    ).toBe("Categories (none: the student predicts no categories)");
  });

  it("draws the cascade from the point with nothing sent, banded down to each lower bound", () => {
    type Layer = {
      mark: { type: string };
      data?: { values: Record<string, unknown>[] };
      encoding: { y?: { field: string }; y2?: { field: string } };
    };
    const layers = (cascadeSpec(report).spec as unknown as { layer: Layer[] }).layer;
    const band = layers.find((l) => l.mark.type === "area")!;
    expect(band.encoding.y?.field).toBe("tier_agreement_lower");
    expect(band.encoding.y2?.field).toBe("tier_agreement");
    const points = band.data!.values;
    expect(points[0]).toMatchObject({ label: "nothing sent", share_to_oracle: 0 });
    expect(points).toHaveLength(report.cascade.length);
    expect(cascadeSpec({ cascade: [], missing: { cascade: "no calibration" } }).title).toBe(
      "Cascade (none: no calibration)",
    );
  });
});
