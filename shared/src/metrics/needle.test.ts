import { describe, expect, it } from "vitest";
import { exampleFilter } from "../testing/example-filter";
import { needleGain, needleMetrics } from "./needle";

// Example filter: tiers high >= 7, medium >= 4, low; equal dimension scores give that overall exactly.
const filter = exampleFilter();
const s = (overall: number) => ({ deployment: overall, impact: overall, evidence: overall });
const pairsOf = (oracle: number[], student: number[]) =>
  oracle.map((o, i) => ({ oracle: s(o), student: s(student[i]!) }));

describe("needleMetrics", () => {
  // oracle tiers: high, high, medium, low, high; student: high, medium, high, low, high.
  const pairs = pairsOf([9, 8, 5, 2, 7], [8, 5, 7.5, 3, 7]);

  it("computes recall and precision of the top tier from each side's own tier", () => {
    const needle = needleMetrics(filter, pairs);
    expect(needle).toMatchObject({ top_tiers: ["high"], n: 5, support: 3, predicted: 3, missing: {} });
    expect(needle.recall).toBeCloseTo(2 / 3, 10);
    expect(needle.precision).toBeCloseTo(2 / 3, 10);
  });

  it("computes Recall@k of the student's ranking, adding k = R and leaving out k > n", () => {
    // Student ranking: articles 0 (8), 2 (7.5), 4 (7), 1 (5), 3 (3); oracle-top: 0, 4, 1.
    const needle = needleMetrics(filter, pairs, { ks: [1, 2, 5, 10] });
    expect(needle.recall_at_k.map((p) => p.k)).toEqual([1, 2, 3, 5]);
    expect(needle.recall_at_k.map((p) => p.value)).toEqual(
      [1 / 3, 1 / 3, 2 / 3, 1].map((value) => expect.closeTo(value, 10)),
    );
    // The default cut-offs (10, 50, 100) all exceed 5 articles: only R-precision is left.
    expect(needleMetrics(filter, pairs).recall_at_k).toEqual([{ k: 3, value: expect.closeTo(2 / 3, 10) }]);
  });

  it("computes NDCG@k with exponential gain against the oracle's own order", () => {
    // Ranked oracle scores: 9, 5, 7, 8, 2; ideal: 9, 8, 7, 5, 2. Gains 2^s - 1: 511, 31, 127, 255, 3.
    const needle = needleMetrics(filter, pairs, { ks: [1, 2, 5] });
    const [at1, at2, at3, at5] = needle.ndcg_at_k.map((p) => p.value!);
    const log3 = Math.log2(3);
    expect(at1).toBe(1);
    expect(at2).toBeCloseTo((511 + 31 / log3) / (511 + 255 / log3), 10);
    expect(at3).toBeCloseTo((511 + 31 / log3 + 127 / 2) / (511 + 255 / log3 + 127 / 2), 10);
    const dcg5 = 511 + 31 / log3 + 127 / 2 + 255 / Math.log2(5) + 3 / Math.log2(6);
    const ideal5 = 511 + 255 / log3 + 127 / 2 + 31 / Math.log2(5) + 3 / Math.log2(6);
    expect(at5).toBeCloseTo(dcg5 / ideal5, 10);
    expect(needleGain(9)).toBe(511);
  });

  it("gives 1 throughout to a student that ranks like the oracle", () => {
    const needle = needleMetrics(filter, pairsOf([9, 1, 8, 3], [9.5, 0, 7.2, 2]), { ks: [1, 4] });
    expect(needle.ndcg_at_k).toEqual([
      { k: 1, value: 1 },
      { k: 2, value: 1 },
      { k: 4, value: 1 },
    ]);
    expect(needle.recall_at_k.find((p) => p.k === 2)!.value).toBe(1);
  });

  it("breaks ties in the student's scores by article order", () => {
    // A student that scores everything alike ranks the articles as given: oracle-top are 1 and 3.
    const flat = needleMetrics(filter, pairsOf([2, 9, 3, 8], [5, 5, 5, 5]), { ks: [1] });
    expect(flat.recall_at_k).toEqual([
      { k: 1, value: 0 },
      { k: 2, value: 0.5 },
    ]);
    const reversed = needleMetrics(filter, pairsOf([8, 3, 9, 2], [5, 5, 5, 5]), { ks: [1] });
    expect(reversed.recall_at_k).toEqual([
      { k: 1, value: 0.5 },
      { k: 2, value: 0.5 },
    ]);
    // Tie between articles 0 and 2 (both 7): article 0 first, so the top-1 misses article 2 (oracle 9).
    const tied = needleMetrics(filter, pairsOf([3, 8, 9], [7, 6, 7]), { ks: [1] });
    expect(tied.recall_at_k[0]).toEqual({ k: 1, value: 0 });
    expect(tied.ndcg_at_k[0]).toEqual({ k: 1, value: 7 / 511 });
  });

  it("says why recall is null when no article is in the top tier", () => {
    const needle = needleMetrics(filter, pairsOf([6, 5, 1], [7.5, 5, 1]), { ks: [2] });
    expect(needle.support).toBe(0);
    expect(needle.recall).toBeNull();
    expect(needle.precision).toBe(0);
    expect(needle.recall_at_k).toEqual([{ k: 2, value: null }]);
    expect(needle.missing.recall).toBe("no article is in the top tier 'high' by the oracle's scores");
    expect(needle.missing.recall_at_k).toBe(needle.missing.recall);
    expect(needle.ndcg_at_k).toEqual([{ k: 2, value: 1 }]);
  });

  it("says why precision is null when the student predicts no top-tier article", () => {
    const needle = needleMetrics(filter, pairsOf([9, 5], [6.9, 5]));
    expect(needle.recall).toBe(0);
    expect(needle.precision).toBeNull();
    expect(needle.missing.precision).toBe("the student puts no article in the top tier 'high'");
  });

  it("counts the top N tiers as top when asked", () => {
    const needle = needleMetrics(filter, pairs, { topTiers: 2 });
    // Oracle top (high or medium): 0, 1, 2, 4; student top: 0, 1, 2, 4.
    expect(needle).toMatchObject({ top_tiers: ["high", "medium"], support: 4, predicted: 4, recall: 1 });
    expect(needle.precision).toBe(1);
    expect(needleMetrics(filter, pairsOf([1], [1]), { topTiers: 2 }).missing.recall).toBe(
      "no article is in the top tiers 'high', 'medium' by the oracle's scores",
    );
  });

  it("tiers each side with its own categories", () => {
    // The student calls it a press release (capped at 5): not top, though its scores say 8.
    const needle = needleMetrics(filter, [
      {
        oracle: s(8),
        oracleCategories: { content_type: "news" },
        student: s(8),
        studentCategories: { content_type: "press_release" },
      },
    ]);
    expect(needle).toMatchObject({ support: 1, predicted: 0, recall: 0, precision: null });
  });

  it("gives null NDCG with a reason when the oracle scores everything 0", () => {
    const needle = needleMetrics(filter, pairsOf([0, 0], [3, 1]), { ks: [1] });
    expect(needle.ndcg_at_k).toEqual([{ k: 1, value: null }]);
    expect(needle.missing.ndcg_at_k).toBe("the oracle scores every article 0: there is nothing to rank");
  });

  it("handles no articles at all", () => {
    expect(needleMetrics(filter, [])).toEqual({
      top_tiers: ["high"],
      n: 0,
      support: 0,
      predicted: 0,
      recall: null,
      precision: null,
      recall_at_k: [],
      ndcg_at_k: [],
      missing: {
        recall: "no article is in the top tier 'high' by the oracle's scores",
        recall_at_k: "no article is in the top tier 'high' by the oracle's scores",
        precision: "the student puts no article in the top tier 'high'",
      },
    });
  });

  it("rejects a top-tier count or a cut-off it cannot use", () => {
    expect(() => needleMetrics(filter, pairs, { topTiers: 0 })).toThrow(RangeError);
    expect(() => needleMetrics(filter, pairs, { topTiers: 4 })).toThrow(RangeError);
    expect(() => needleMetrics(filter, pairs, { ks: [0] })).toThrow(RangeError);
    expect(() => needleMetrics(filter, pairs, { ks: [2.5] })).toThrow(RangeError);
  });
});
