import { describe, expect, it } from "vitest";
import { postfilter } from "../filter/postfilter";
import type { FilterPackage } from "../schemas/filter";
import {
  cascadeCurve,
  cascadeGoalPoint,
  conformalQuantile,
  crossesTierBoundary,
  doubtfulArticles,
  oracleCostPerArticle,
  overallInterval,
} from "./index";

const filter = {
  name: "cascade-test",
  version: 1,
  prompt: "Score the article.",
  oracle: { model: "gemini-2.5-flash", temperature: 0.2, max_article_chars: 6000, max_reason_chars: 300 },
  dimensions: [
    { key: "a", label: "A", weight: 0.5, description: "a" },
    { key: "b", label: "B", weight: 0.5, description: "b" },
  ],
  gatekeepers: [],
  categories: [],
  tiers: [
    { key: "high", label: "High", min_overall: 7, description: "h" },
    { key: "medium", label: "Medium", min_overall: 4, description: "m" },
    { key: "low", label: "Low", min_overall: 0, description: "l" },
  ],
} as unknown as FilterPackage;

describe("the cascade", () => {
  it("routes exactly the articles whose interval crosses a tier boundary", () => {
    const predictions = [
      { article_id: "inside-high", overall_interval: [7, 9.5] as [number, number] },
      { article_id: "crosses-7", overall_interval: [6.99, 8] as [number, number] },
      { article_id: "inside-medium", overall_interval: [4, 6.99] as [number, number] },
      { article_id: "crosses-4", overall_interval: [3.5, 4.5] as [number, number] },
      { article_id: "crosses-both", overall_interval: [2, 8] as [number, number] },
      { article_id: "inside-low", overall_interval: [0, 3.99] as [number, number] },
      { article_id: "no-interval" },
    ];
    expect(doubtfulArticles(filter, predictions)).toEqual(["crosses-7", "crosses-4", "crosses-both"]);
    expect(crossesTierBoundary(filter, [4, 4])).toBe(false);
  });

  it("takes the ⌈(n+1)·coverage⌉-th smallest score and widens to the whole scale when n is too small", () => {
    const scores = Array.from({ length: 19 }, (_, i) => (i + 1) / 10);
    expect(conformalQuantile(scores, 0.9)).toBe(1.8);
    expect(conformalQuantile(scores, 0.5)).toBe(1);
    expect(conformalQuantile(scores, 0.99)).toBe(Number.POSITIVE_INFINITY);
    expect(overallInterval(9.5, 1)).toEqual([8.5, 10]);
    expect(overallInterval(5, Number.POSITIVE_INFINITY)).toEqual([0, 10]);
  });

  it("draws a curve where sending more to the oracle never lowers tier agreement", () => {
    // Students off by a known amount: the ones far off (and only those) should end up at the oracle.
    const cases = Array.from({ length: 200 }, (_, i) => {
      const truth = ((i * 37) % 100) / 10;
      const error = i % 10 === 0 ? 2.5 : ((i % 7) - 3) / 10;
      const student = Math.min(10, Math.max(0, truth + error));
      return { oracle: { a: truth, b: truth }, student: { a: student, b: student } };
    });
    const calibration = cases.map((c) =>
      Math.abs(postfilter(filter, c.oracle).overall - postfilter(filter, c.student).overall),
    );
    const curve = cascadeCurve(filter, cases, calibration, {
      usdPerArticle: 0.001,
      coverages: [0.5, 0.8, 0.95],
    });
    expect(curve.map((p) => p.coverage)).toEqual([0.5, 0.8, 0.95]);
    for (let i = 1; i < curve.length; i++) {
      expect(curve[i]!.share_to_oracle).toBeGreaterThanOrEqual(curve[i - 1]!.share_to_oracle);
      expect(curve[i]!.tier_agreement).toBeGreaterThanOrEqual(curve[i - 1]!.tier_agreement);
    }
    // At 95% the interval is ±2.5: the big misses all go to the oracle, so the combined tiers all agree.
    expect(curve[2]!.tier_agreement).toBe(1);
    expect(curve[2]!.usd_per_1000).toBeCloseTo(curve[2]!.share_to_oracle * 1000 * 0.001, 10);
    expect(curve[0]!.tier_agreement).toBeLessThan(1);
  });

  it("prices an oracle call from the filter's model and picks the cheapest point that meets the goal", () => {
    const interactive = oracleCostPerArticle(filter, { articleChars: 4000 })!;
    // ~1,000 input tokens at $0.30/M and 130 output tokens at $2.50/M.
    expect(interactive).toBeGreaterThan(0.0005);
    expect(interactive).toBeLessThan(0.0008);
    expect(oracleCostPerArticle(filter, { articleChars: 4000, mode: "batch" })).toBeCloseTo(
      interactive / 2,
      12,
    );
    const unknown = { ...filter, oracle: { ...filter.oracle, model: "some-other-model" } } as FilterPackage;
    expect(oracleCostPerArticle(unknown, { articleChars: 4000 })).toBeNull();
    const point = (coverage: number, share: number, agreement: number) => ({
      coverage,
      share_to_oracle: share,
      tier_agreement: agreement,
      usd_per_1000: share,
    });
    expect(
      cascadeGoalPoint([point(0.5, 0.05, 0.9), point(0.8, 0.12, 0.96), point(0.9, 0.14, 0.97)])?.coverage,
    ).toBe(0.8);
    expect(cascadeGoalPoint([point(0.9, 0.2, 0.99)])).toBeNull();
  });
});
