import { describe, expect, it } from "vitest";
import { exampleFilter } from "../testing/example-filter";
import { computeMetrics, metricsByLanguage, spearman, tierConfusion } from "./index";

const filter = exampleFilter();
const s = (deployment: number, impact: number, evidence: number) => ({ deployment, impact, evidence });

describe("spearman", () => {
  it("is 1 for the same order, -1 for the reverse, and handles ties", () => {
    expect(spearman([1, 2, 3], [10, 20, 30])).toBe(1);
    expect(spearman([1, 2, 3], [3, 2, 1])).toBe(-1);
    expect(spearman([1, 1, 2, 3], [1, 2, 3, 4])).toBeCloseTo(0.9487, 4);
    expect(spearman([1, 1], [1, 2])).toBeNull();
  });
});

describe("computeMetrics", () => {
  const pairs = [
    { oracle: s(8, 8, 8), student: s(8, 8, 8), language: "en" },
    { oracle: s(8, 8, 8), student: s(6, 6, 6), language: "en" },
    { oracle: s(2, 9, 9), student: s(4, 9, 9), language: "nl" },
    { oracle: s(5, 5, 5), student: s(5.5, 4.5, 5), language: "nl" },
  ];
  const metrics = computeMetrics(filter, pairs);

  it("computes overall MAE and accuracy on postfiltered overall scores", () => {
    // oracle overall: 8, 8, 3 (gatekeeper caps 5.5), 5; student: 8, 6, 6.5, 5.1
    expect(metrics.overall_mae).toBeCloseTo((0 + 2 + 3.5 + 0.1) / 4, 10);
    expect(metrics.accuracy).toBe(0.5);
  });

  it("computes tier agreement and per-dimension MAE", () => {
    // tiers: high/high, high/medium, low/medium, medium/medium
    expect(metrics.tier_agreement).toBe(0.5);
    expect(metrics.per_dimension.deployment!.mae).toBeCloseTo((0 + 2 + 2 + 0.5) / 4, 10);
    expect(metrics.per_dimension.impact!.mae).toBeCloseTo((0 + 2 + 0 + 0.5) / 4, 10);
    expect(metrics.dimension_mae).toBeCloseTo((1.125 + 0.625 + 0.5) / 3, 10);
    expect(metrics.n).toBe(4);
  });

  it("builds the tier confusion matrix with oracle tiers as rows", () => {
    expect(tierConfusion(filter, pairs)).toEqual({
      labels: ["high", "medium", "low"],
      matrix: [
        [1, 1, 0],
        [0, 1, 0],
        [0, 1, 0],
      ],
    });
  });

  it("splits by language", () => {
    const byLanguage = metricsByLanguage(filter, pairs);
    expect(Object.keys(byLanguage)).toEqual(["en", "nl"]);
    expect(byLanguage.en!.tier_agreement).toBe(0.5);
    expect(byLanguage.nl!.n).toBe(2);
  });

  it("reports a perfect student as perfect", () => {
    const perfect = computeMetrics(
      filter,
      pairs.map((p) => ({ ...p, student: p.oracle })),
    );
    expect(perfect).toMatchObject({ accuracy: 1, tier_agreement: 1, overall_mae: 0, dimension_mae: 0 });
  });
});
