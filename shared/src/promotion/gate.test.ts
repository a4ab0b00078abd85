import { describe, expect, it } from "vitest";
import { exampleFilter } from "../testing/example-filter";
import { formatComparison } from "./format";
import { type GateArticle, pairedDifference, promotionGate } from "./gate";

const filter = exampleFilter();
const ORACLE = { deployment: 8, impact: 8, evidence: 8 };

/** A prediction off by `error` on every dimension: its per-article dimension error is `error`. */
const off = (error: number) => ({
  scores: { deployment: 8 - error, impact: 8 - error, evidence: 8 - error },
});

function articles(candidate: number[], incumbent: number[]): GateArticle[] {
  return candidate.map((error, i) => ({
    article_id: `a${i}`,
    selection: "random",
    oracle: ORACLE,
    candidate: off(error),
    incumbent: off(incumbent[i]!),
  }));
}

const gate = (list: GateArticle[], policy = {}) =>
  promotionGate({
    filter,
    candidate_model_id: "mdl_new",
    incumbent_model_id: "mdl_old",
    articles: list,
    policy,
  });

describe("pairedDifference", () => {
  it("gives the sample standard deviation over √n", () => {
    // d = [-0.5, -1, -0.5, -1.5]: mean -0.875, squared deviations sum 0.6875, SE = √(0.6875 / 3 / 4).
    const { mean, standard_error } = pairedDifference([-0.5, -1, -0.5, -1.5]);
    expect(mean).toBeCloseTo(-0.875, 12);
    expect(standard_error).toBeCloseTo(0.239357, 6);
  });

  it("counts labels from before provenance was kept, as the dataset's test split does", () => {
    const list = articles([0.5, 0.5, 0.5, 0.5], [1, 1.5, 1, 2]).map((a) => ({
      ...a,
      selection: "unknown" as const,
    }));
    expect(gate(list)).toMatchObject({ n: 4, excluded_non_random: 0 });
  });

  it("has no standard error below two articles", () => {
    expect(pairedDifference([0.3]).standard_error).toBeNull();
  });
});

describe("promotionGate", () => {
  it("promotes a clearly better candidate, counting only random labels both models predicted", () => {
    const list: GateArticle[] = [
      ...articles([0.5, 0.5, 0.5, 0.5], [1, 1.5, 1, 2]),
      // A label chosen where a student was unsure: left out, however badly the candidate does on it.
      { article_id: "u", selection: "uncertain", oracle: ORACLE, candidate: off(5), incumbent: off(0) },
      { article_id: "p", selection: "random", oracle: ORACLE, candidate: off(0), incumbent: null },
    ];
    const result = gate(list);
    expect(result.decision).toBe("promote");
    expect(result).toMatchObject({ n: 4, excluded_non_random: 1, excluded_unpredicted: 1 });
    const [tiers, mae] = result.checks;
    // Incumbent overall 7, 6.5, 7, 6 against the oracle's 8 (high from 7): two of four agree.
    expect(tiers).toMatchObject({ name: "tier_agreement", candidate: 1, incumbent: 0.5, pass: true });
    expect(mae).toMatchObject({
      name: "dimension_mae",
      candidate: 0.5,
      incumbent: 1.375,
      difference: -0.875,
    });
    expect(mae!.standard_error).toBeCloseTo(0.2394, 4);
    expect(mae!.pass).toBe(true);
    expect(result.summary).toContain("better than production");
  });

  it("refuses a candidate whose lower MAE is within the standard error", () => {
    // d = [-0.4, 0.4, -0.4, 0.3]: mean -0.025, squared deviations sum 0.5675, SE = √(0.5675 / 3 / 4) ≈ 0.2175.
    const result = gate(articles([0.5, 0.9, 0.5, 0.9], [0.9, 0.5, 0.9, 0.6]));
    expect(result.decision).toBe("refuse");
    const mae = result.checks.find((c) => c.name === "dimension_mae")!;
    expect(mae).toMatchObject({ candidate: 0.7, incumbent: 0.725, difference: -0.025, pass: false });
    expect(mae.standard_error).toBeCloseTo(0.2175, 4);
    expect(result.checks.find((c) => c.name === "tier_agreement")!.pass).toBe(true);
    expect(result.summary).toContain("not better than production");
    expect(result.summary).toContain("dimension_mae");
  });

  it("refuses a candidate with lower tier agreement even when its MAE is much lower", () => {
    // The candidate scores 6.9 (medium) on two high articles; the incumbent 7 (high) on all four.
    const result = gate(articles([1.1, 1.1, 0, 0], [1, 1, 1, 1]), { dimension_mae: { min_gain: 0 } });
    const tiers = result.checks.find((c) => c.name === "tier_agreement")!;
    expect(tiers).toMatchObject({ candidate: 0.5, incumbent: 1, difference: -0.5, pass: false });
    expect(result.decision).toBe("refuse");
  });

  it("applies a policy's minimum gains instead of the defaults", () => {
    const list = articles([0.5, 0.5, 0.5, 0.5], [1, 1.5, 1, 2]);
    expect(gate(list, { dimension_mae: { min_gain: 1 } }).decision).toBe("refuse");
    expect(gate(list, { dimension_mae: { min_gain: 0.8 } }).decision).toBe("promote");
    expect(gate(list, { tier_agreement: { min_gain: 0.6 } }).decision).toBe("refuse");
  });

  it("keeps the incumbent when a single article gives no standard error", () => {
    const result = gate(articles([0], [3]));
    expect(result.checks.find((c) => c.name === "dimension_mae")).toMatchObject({
      standard_error: null,
      pass: false,
    });
    expect(result.decision).toBe("refuse");
  });

  it("refuses when no randomly selected article is left, and says so", () => {
    const list = articles([0, 0], [1, 1]).map((a) => ({ ...a, selection: "named" as const }));
    const result = gate(list);
    expect(result).toMatchObject({ decision: "refuse", n: 0, excluded_non_random: 2, checks: [] });
    expect(result.summary).toContain("nothing to compare");
  });

  it("promotes the first model of a filter without a comparison", () => {
    const result = promotionGate({
      filter,
      candidate_model_id: "mdl_first",
      incumbent_model_id: null,
      articles: [],
    });
    expect(result).toMatchObject({ decision: "promote", checks: [], incumbent_model_id: null });
    expect(result.summary).toContain("first");
  });
});

describe("promotionGate's needle rule", () => {
  it("refuses, when the policy asks, a candidate that finds fewer top-tier articles", () => {
    // Candidate: 6.9 (medium) on two of four high articles, so recall 0.5 against the incumbent's 1,
    // though its dimension MAE is far lower (0.55 against 1).
    const list = articles([1.1, 1.1, 0, 0], [1, 1, 1, 1]);
    const lenient = { tier_agreement: { min_gain: -1 }, dimension_mae: { min_gain: 0 } };
    expect(gate(list, lenient).decision).toBe("promote");
    const result = gate(list, { ...lenient, needle: { top_tier_recall: "not_lower" } });
    expect(result.checks.find((c) => c.name === "top_tier_recall")).toMatchObject({
      candidate: 0.5,
      incumbent: 1,
      difference: -0.5,
      pass: false,
    });
    // Paired found-differences on the four high articles: [-1, -1, 0, 0]: SE = √(1/3 / 4) ≈ 0.2887.
    expect(result.checks.find((c) => c.name === "top_tier_recall")!.standard_error).toBeCloseTo(0.2887, 4);
    expect(result.decision).toBe("refuse");
  });
});

describe("formatComparison", () => {
  it("puts both models' figures side by side, one line per check", () => {
    const lines = formatComparison(gate(articles([0.5, 0.5, 0.5, 0.5], [1, 1.5, 1, 2])));
    expect(lines[0]).toMatch(/^check\s+candidate\s+production\s+difference\s+std error\s+pass$/);
    expect(lines[1]).toMatch(/^tier_agreement\s+1\s+0\.5\s+\+0\.5\s+0\.2887\s+yes$/);
    expect(lines[2]).toMatch(/^dimension_mae\s+0\.5\s+1\.375\s+-0\.875\s+0\.2394\s+yes$/);
    expect(lines.at(-1)).toContain("better than production");
  });
});
