import { describe, expect, it } from "vitest";
import { exampleFilter } from "../testing/example-filter";
import {
  categoryMetrics,
  computeMetrics,
  metricsByLanguage,
  postfilterPair,
  scatterPoints,
  spearman,
  tierConfusion,
  wilsonLowerBound,
} from "./index";

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

describe("no metric gives the student the oracle's categories", () => {
  // content_type press_release caps the overall at 5: an oracle-only answer that changes the tier.
  const pair = {
    oracle: s(9, 9, 9),
    oracleCategories: { content_type: "press_release" },
    student: s(9, 9, 9),
    language: "en",
  };

  it("postfilters the student side with its own categories, or none", () => {
    // The oracle side is capped to medium; the student predicted no category, so its 9 stays high.
    expect(postfilterPair(filter, pair)).toMatchObject({
      oracle: { overall: 5, tier: "medium" },
      student: { overall: 9, tier: "high" },
    });
    const alone = computeMetrics(filter, [pair]);
    expect(alone.tier_agreement).toBe(0);
    expect(alone.overall_mae).toBe(4);
    expect(tierConfusion(filter, [pair]).matrix).toEqual([
      [0, 0, 0],
      [1, 0, 0],
      [0, 0, 0],
    ]);
    expect(scatterPoints(filter, [pair])).toEqual([{ oracle: 5, student: 9, language: "en" }]);
  });

  it("caps the student when the student itself predicts the capping category", () => {
    const own = { ...pair, studentCategories: { content_type: "press_release" } };
    expect(computeMetrics(filter, [own])).toMatchObject({ tier_agreement: 1, overall_mae: 0 });
    // …and the oracle's answer never leaks into a student that said "news".
    const wrong = { ...pair, studentCategories: { content_type: "news" } };
    expect(computeMetrics(filter, [wrong]).tier_agreement).toBe(0);
  });
});

describe("categoryMetrics", () => {
  const pair = (oracle: string, student?: string) => ({
    oracle: s(5, 5, 5),
    oracleCategories: { content_type: oracle },
    student: s(5, 5, 5),
    ...(student ? { studentCategories: { content_type: student } } : {}),
  });

  it("counts accuracy and the confusion only where the student predicted the field", () => {
    const result = categoryMetrics(filter, [
      pair("news", "news"),
      pair("news", "press_release"),
      pair("press_release", "press_release"),
      pair("press_release", "press_release"),
      pair("news"),
    ]);
    expect(result).toEqual({
      content_type: {
        accuracy: 0.75,
        n: 4,
        labels: ["news", "press_release"],
        matrix: [
          [1, 1],
          [0, 2],
        ],
      },
    });
  });

  it("leaves out a field the student never predicts", () => {
    expect(categoryMetrics(filter, [pair("news"), pair("press_release")])).toEqual({});
  });
});

describe("wilsonLowerBound", () => {
  it("matches the Wilson score interval's lower end at 95%", () => {
    expect(wilsonLowerBound(90, 100)).toBeCloseTo(0.82565, 4);
    expect(wilsonLowerBound(40, 40)).toBeCloseTo(0.91238, 4);
    expect(wilsonLowerBound(0, 10)).toBe(0);
    expect(wilsonLowerBound(0, 0)).toBe(0);
    // A wider z gives a lower bound; more data at the same share a tighter (higher) one.
    expect(wilsonLowerBound(90, 100, 2.576)).toBeLessThan(wilsonLowerBound(90, 100));
    expect(wilsonLowerBound(900, 1000)).toBeGreaterThan(wilsonLowerBound(90, 100));
  });

  it("refuses impossible counts", () => {
    expect(() => wilsonLowerBound(11, 10)).toThrow(RangeError);
    expect(() => wilsonLowerBound(1, 2.5)).toThrow(RangeError);
  });
});
