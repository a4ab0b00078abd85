import { describe, expect, it } from "vitest";
import { exampleFilter } from "../testing/example-filter";
import { calibrationReportSchema } from "./api";
import { calibrate, type LabelingPair } from "./calibration";

const filter = exampleFilter();

function pairs(n: number, shift: (i: number) => number): LabelingPair[] {
  return Array.from({ length: n }, (_, i) => {
    const base = (i * 37) % 11;
    const a = { deployment: base, impact: (base + 3) % 11, evidence: 10 - base };
    const b = Object.fromEntries(
      Object.entries(a).map(([k, v]) => [k, Math.min(10, Math.max(0, v + shift(i)))]),
    );
    return { article_id: `a${i}`, a, b };
  });
}

describe("calibrate", () => {
  it("reports zero difference and full agreement for identical labelings", () => {
    const report = calibrate(
      filter,
      pairs(40, () => 0),
    );
    calibrationReportSchema.parse(report);
    expect(report.dimension_mae).toBe(0);
    expect(report.tier_agreement).toBe(1);
    expect(report.per_dimension.deployment?.spearman).toBeCloseTo(1, 6);
    expect(report.tiers.a).toEqual(report.tiers.b);
  });

  it("measures a systematic offset as MAE and keeps rank correlation", () => {
    const report = calibrate(
      filter,
      pairs(40, (i) => (i % 2 ? 1 : -1)),
    );
    expect(report.per_dimension.impact?.mae).toBeGreaterThan(0.5);
    expect(report.per_dimension.impact?.mae).toBeLessThanOrEqual(1);
    expect(report.per_dimension.impact?.spearman).toBeGreaterThan(0.8);
    expect(report.tier_agreement).toBeLessThan(1);
    expect(report.warnings).toEqual([]);
  });

  it("warns on a small sample and on missing dimensions", () => {
    const few = pairs(5, () => 0);
    delete (few[0]!.b as Record<string, number>).evidence;
    const report = calibrate(filter, few);
    expect(report.warnings.join(" ")).toMatch(/only 5 articles/);
    expect(report.warnings.join(" ")).toMatch(/'evidence'/);
  });
});
