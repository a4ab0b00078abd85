import { describe, expect, it } from "vitest";
import { postfilter } from "../filter/postfilter";
import { computeMetrics, wilsonLowerBound } from "../metrics/index";
import { seededRandom } from "../random";
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
    const curve = cascadeCurve(
      filter,
      cases,
      { method: "absolute", scores: calibration },
      { usdPerArticle: 0.001, coverages: [0.95, 0.5, 0.8] },
    );
    expect(curve.map((p) => p.coverage)).toEqual([null, 0.5, 0.8, 0.95]);
    // Nothing sent: the student's own tier agreement, what computeMetrics reports as the headline.
    expect(curve[0]).toMatchObject({ share_to_oracle: 0, usd_per_1000: 0, coverage_reached: null });
    expect(curve[0]!.tier_agreement).toBe(computeMetrics(filter, cases).tier_agreement);
    for (let i = 1; i < curve.length; i++) {
      expect(curve[i]!.share_to_oracle).toBeGreaterThanOrEqual(curve[i - 1]!.share_to_oracle);
      expect(curve[i]!.tier_agreement).toBeGreaterThanOrEqual(curve[i - 1]!.tier_agreement);
      expect(curve[i]!.tier_agreement_lower).toBeLessThan(curve[i]!.tier_agreement + 1e-12);
    }
    // At 95% the interval is ±2.5: the big misses all go to the oracle, so the combined tiers all agree.
    expect(curve[3]!.tier_agreement).toBe(1);
    expect(curve[3]!.tier_agreement_lower).toBeCloseTo(wilsonLowerBound(200, 200), 12);
    expect(curve[3]!.usd_per_1000).toBeCloseTo(curve[3]!.share_to_oracle * 1000 * 0.001, 10);
    expect(curve[1]!.tier_agreement).toBeLessThan(1);
  });

  it("stays monotone with adaptive intervals whatever each article's scale", () => {
    // Random students with random predicted scales (unrelated to their errors, the worst case): an
    // article's interval only widens as coverage grows, so the set sent is nested and agreement cannot drop.
    const random = seededRandom(3);
    const cases = Array.from({ length: 300 }, () => {
      const truth = random() * 10;
      const student = Math.min(10, Math.max(0, truth + (random() - 0.5) * 4));
      return {
        oracle: { a: truth, b: truth },
        student: { a: student, b: student },
        scale: 0.1 + random() * 3,
      };
    });
    const scores = Array.from({ length: 150 }, () => random() * 2);
    const coverages = Array.from({ length: 40 }, (_, i) => 0.02 + i * 0.024);
    const curve = cascadeCurve(
      filter,
      cases,
      { method: "normalized", scores },
      { usdPerArticle: 0, coverages },
    );
    const sentSets = coverages.map((coverage) => {
      const q = conformalQuantile(
        [...scores].sort((a, b) => a - b),
        coverage,
      );
      return new Set(
        doubtfulArticles(
          filter,
          cases.map((c, i) => ({
            article_id: String(i),
            overall_interval: overallInterval(postfilter(filter, c.student).overall, q * c.scale),
          })),
        ),
      );
    });
    for (let i = 1; i < curve.length; i++) {
      expect(curve[i]!.tier_agreement).toBeGreaterThanOrEqual(curve[i - 1]!.tier_agreement);
      expect(curve[i]!.share_to_oracle).toBeGreaterThanOrEqual(curve[i - 1]!.share_to_oracle);
    }
    for (let i = 1; i < sentSets.length; i++)
      for (const id of sentSets[i - 1]!) expect(sentSets[i]!.has(id)).toBe(true);
    // The curve's shares are exactly the doubtful sets the edge's cascade job would send.
    expect(curve.slice(1).map((p) => p.share_to_oracle)).toEqual(sentSets.map((s) => s.size / cases.length));
  });

  it("scales each interval by the article's predicted error and reports the coverage reached", () => {
    // Two kinds of article: easy ones (error ±0.2, scale 0.2) and hard ones (error ±2, scale 2). A
    // normalized calibration gives the hard ones wide intervals and the easy ones narrow ones.
    const cases = Array.from({ length: 100 }, (_, i) => {
      const hard = i % 4 === 0;
      const error = (hard ? 2 : 0.2) * (i % 2 ? 1 : -1) * ((i % 10) / 10);
      return {
        oracle: { a: 5.5, b: 5.5 },
        student: { a: 5.5 + error, b: 5.5 + error },
        scale: hard ? 2 : 0.2,
      };
    });
    const scores = cases.map((c) => Math.abs(c.student.a - c.oracle.a) / c.scale);
    const [, point] = cascadeCurve(
      filter,
      cases,
      { method: "normalized", scores },
      {
        usdPerArticle: 0,
        coverages: [0.9],
      },
    );
    expect(point!.coverage_reached).toBeGreaterThanOrEqual(0.9);
    // Only hard articles can reach a tier boundary (4 or 7, at least 1.5 away from 5.5).
    expect(point!.share_to_oracle).toBeLessThanOrEqual(0.25);
    expect(() =>
      cascadeCurve(
        filter,
        [{ oracle: { a: 1, b: 1 }, student: { a: 1, b: 1 } }],
        { method: "normalized", scores },
        {
          usdPerArticle: 0,
        },
      ),
    ).toThrow(/overall_scale/);
  });

  it("uses the student's own categories, never the oracle's", () => {
    const capped = {
      ...filter,
      categories: [
        {
          key: "kind",
          label: "Kind",
          description: "k",
          values: [
            { key: "news", description: "n" },
            { key: "marketing", description: "m", cap_overall_at: 2 },
          ],
        },
      ],
    } as FilterPackage;
    // The oracle says marketing (capped to low); the student says news and scores it high.
    const pair = {
      oracle: { a: 8, b: 8 },
      oracleCategories: { kind: "marketing" },
      student: { a: 8, b: 8 },
      studentCategories: { kind: "news" },
    };
    const [alone] = cascadeCurve(capped, [pair], { method: "absolute", scores: [0.1] }, { usdPerArticle: 0 });
    expect(alone!.tier_agreement).toBe(0);
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
    const point = (coverage: number | null, share: number, agreement: number) => ({
      coverage,
      share_to_oracle: share,
      tier_agreement: agreement,
      tier_agreement_lower: agreement - 0.05,
      coverage_reached: coverage,
      usd_per_1000: share,
    });
    expect(
      cascadeGoalPoint([
        point(null, 0, 0.85),
        point(0.5, 0.05, 0.9),
        point(0.8, 0.12, 0.96),
        point(0.9, 0.14, 0.97),
      ])?.coverage,
    ).toBe(0.8);
    expect(cascadeGoalPoint([point(null, 0, 0.9), point(0.9, 0.2, 0.99)])).toBeNull();
  });

  it("counts a student that meets the goal alone as meeting it, with nothing sent", () => {
    const point = (coverage: number | null, share: number, agreement: number) => ({
      coverage,
      share_to_oracle: share,
      tier_agreement: agreement,
      tier_agreement_lower: agreement - 0.05,
      coverage_reached: coverage,
      usd_per_1000: share,
    });
    const goal = cascadeGoalPoint([point(null, 0, 0.97), point(0.5, 0.18, 0.99), point(0.9, 0.4, 1)]);
    expect(goal).toMatchObject({ coverage: null, share_to_oracle: 0 });
  });
});
