import { describe, expect, it } from "vitest";
import { exampleFilter } from "../testing/example-filter";
import { bakeoffJobSpecSchema, bakeoffReportSchema } from "./bakeoff";
import { type BakeoffAnswer, type BakeoffReportInput, bakeoffReport, pearson } from "./bakeoff-report";

const filter = exampleFilter();

/** Oracle A's scores (deployment, impact, evidence). Overalls 3.7 low, 5 medium, 6 medium, 8 high. */
const A: Record<string, [number, number, number]> = {
  a1: [3, 4, 5],
  a2: [5, 5, 5],
  a3: [6, 6, 6],
  a4: [8, 8, 8],
};
const shifted = (shift: (id: string) => number) =>
  Object.fromEntries(Object.entries(A).map(([id, s]) => [id, s.map((v) => v + shift(id))])) as typeof A;
/** B = A + 1 exactly: pure bias. */
const B = shifted(() => 1);
/** C = A ± 1 alternately: no bias, all noise. */
const C = shifted((id) => (id === "a1" || id === "a3" ? 1 : -1));

function answer(
  oracle: string,
  id: string,
  scores: [number, number, number],
  replicate: 0 | 1 = 0,
  cost = 0.002,
): BakeoffAnswer {
  const [deployment, impact, evidence] = scores;
  return {
    oracle,
    article_id: id,
    replicate,
    state: "done",
    scores: { deployment, impact, evidence },
    categories: { content_type: "news" },
    reason: null,
    tokens: { input: 100, output: 20, thinking: 0 },
    cost_usd: cost,
  };
}

const oracles: BakeoffReportInput["oracles"] = [
  { name: "gemini:a", provider: "gemini", model: "a", thinking: 0 },
  { name: "gemini:b", provider: "gemini", model: "b", thinking: 0 },
  { name: "gemini:c", provider: "gemini", model: "c", thinking: null },
];
const articles = new Map(
  Object.keys(A).map((id, i) => [id, { title: `T ${id}`, source: i < 3 ? "s1" : "s2", language: "en" }]),
);

function input(answers: BakeoffAnswer[], extra: Partial<BakeoffReportInput> = {}): BakeoffReportInput {
  return {
    filter,
    oracles,
    answers,
    articles,
    requested: 4,
    budget_usd: 1,
    spent_usd: 0.0125,
    ...extra,
  };
}

const ids = Object.keys(A);
const threeOracles = [
  ...ids.map((id) => answer("gemini:a", id, A[id]!)),
  answer("gemini:a", "a1", A.a1!, 1),
  answer("gemini:a", "a2", A.a2!, 1),
  ...ids.map((id) => answer("gemini:b", id, B[id]!)),
  ...ids.map((id) => answer("gemini:c", id, C[id]!, 0, 0.0005)),
  // C asked again gives A's scores: one point away from its first answer on every dimension.
  answer("gemini:c", "a1", A.a1!, 1, 0.0005),
  answer("gemini:c", "a2", A.a2!, 1, 0.0005),
];

describe("bakeoffReport", () => {
  const report = bakeoffReport(input(threeOracles));

  it("produces a report the schema accepts", () => {
    expect(bakeoffReportSchema.parse(report)).toEqual(report);
  });

  it("reports an oracle shifted by one point as bias 1, MAE 1 and correlation 1", () => {
    const ab = report.pairs.find((p) => p.a === "gemini:a" && p.b === "gemini:b")!;
    expect(ab.n).toBe(4);
    for (const d of ab.dimensions) expect(d).toMatchObject({ mae: 1, bias: -1, correlation: 1 });
    expect(ab.overall_bias).toBe(-1);
    expect(ab.overall_mae).toBe(1);
    // a1 3.7 low vs 4.7 medium; a3 6 medium vs 7 high: two of four tiers differ.
    expect(ab.tier_agreement).toBe(0.5);
    expect(ab.tier_confusion).toEqual({
      labels: ["high", "medium", "low"],
      matrix: [
        [1, 0, 0],
        [1, 1, 0],
        [0, 1, 0],
      ],
    });
  });

  it("reports a noisy oracle as unbiased but inconsistent with itself", () => {
    const ac = report.pairs.find((p) => p.a === "gemini:a" && p.b === "gemini:c")!;
    const deployment = ac.dimensions.find((d) => d.key === "deployment")!;
    // A = [3,5,6,8], C = [4,4,7,7]: r = 9 / sqrt(13 * 9).
    expect(deployment).toEqual({ key: "deployment", mae: 1, bias: 0, correlation: 0.8321 });
    expect(ac.overall_bias).toBe(0);

    const a = report.oracles.find((o) => o.name === "gemini:a")!;
    expect(a.self_consistency).toEqual({
      n: 2,
      dimension_mae: { per_dimension: { deployment: 0, impact: 0, evidence: 0 }, mean: 0 },
      overall_mae: 0,
      tier_agreement: 1,
    });
    const c = report.oracles.find((o) => o.name === "gemini:c")!;
    // a1: 4.7 medium then 3.7 low; a2: 4 medium then 5 medium.
    expect(c.self_consistency).toEqual({
      n: 2,
      dimension_mae: { per_dimension: { deployment: 1, impact: 1, evidence: 1 }, mean: 1 },
      overall_mae: 1,
      tier_agreement: 0.5,
    });
    expect(report.oracles.find((o) => o.name === "gemini:b")!.self_consistency).toBeNull();
    expect(report.missing["oracles.1.self_consistency"]).toMatch(/repeat is 0/);
  });

  it("reports cost per labelled article from the sample answers, and the whole cost", () => {
    const [a, , c] = report.oracles;
    expect(a).toMatchObject({ labelled: 4, failed: 0, cost_usd: 0.012, usd_per_article: 0.002 });
    expect(a!.tokens).toEqual({ input: 600, output: 120, thinking: 0 });
    expect(c).toMatchObject({ labelled: 4, cost_usd: 0.003, usd_per_article: 0.0005 });
  });

  it("lists the articles whose tiers differ, widest spread first, with each oracle's answer", () => {
    // a1: A low 3.7, B medium 4.7, C medium 4.7. a3: A 6, B 7 high, C 7 high. a2: A 5, B 6, C 4 (all medium).
    // a4: A 8, B 9, C 7 (all high).
    expect(report.disagreements_total).toBe(2);
    expect(report.disagreements.map((d) => d.article_id)).toEqual(["a1", "a3"]);
    expect(report.disagreements[0]).toEqual({
      article_id: "a1",
      title: "T a1",
      answers: {
        "gemini:a": { tier: "low", overall: 3.7 },
        "gemini:b": { tier: "medium", overall: 4.7 },
        "gemini:c": { tier: "medium", overall: 4.7 },
      },
    });
    expect(report.sample).toEqual({
      requested: 4,
      selected: 4,
      labelled_by_all: 4,
      strata: { "s1/en": 3, "s2/en": 1 },
    });
  });

  it("still reports when an oracle labelled nothing, saying what is missing and why", () => {
    const failed = ids.map(
      (id): BakeoffAnswer => ({
        ...answer("gemini:b", id, B[id]!),
        state: "failed",
        scores: null,
        categories: null,
        reason: "oracle.forbidden",
        cost_usd: 0,
      }),
    );
    const only = bakeoffReport(
      input([...ids.map((id) => answer("gemini:a", id, A[id]!)), ...failed], {
        oracles: oracles.slice(0, 2),
        stopped_reason: "budget",
      }),
    );
    expect(only.oracles[1]).toMatchObject({
      labelled: 0,
      failed: 4,
      failed_by_reason: { "oracle.forbidden": 4 },
      usd_per_article: null,
      self_consistency: null,
    });
    expect(only.pairs).toEqual([]);
    expect(Object.keys(only.missing).sort()).toEqual([
      "oracles.0.self_consistency",
      "oracles.1.self_consistency",
      "oracles.1.usd_per_article",
      "pairs.gemini:a|gemini:b",
    ]);
    expect(only.sample.labelled_by_all).toBe(0);
    expect(only.stopped_reason).toBe("budget");
  });
});

describe("pearson", () => {
  it("is undefined for a constant side and for fewer than two values", () => {
    expect(pearson([1, 2, 3], [2, 2, 2])).toBeNull();
    expect(pearson([1], [1])).toBeNull();
    expect(pearson([1, 2, 3], [3, 2, 1])).toBe(-1);
  });
});

describe("bakeoffJobSpecSchema", () => {
  const spec = {
    kind: "bakeoff",
    filter: "example-energy",
    oracles: [
      { provider: "gemini", model: "gemini-2.5-flash" },
      { provider: "gemini", model: "gemini-2.5-flash-lite" },
    ],
    budget_usd: 2,
  };

  it("fills the sample and repeat defaults", () => {
    expect(bakeoffJobSpecSchema.parse(spec)).toMatchObject({ sample: { count: 200, seed: 42 }, repeat: 20 });
  });

  it("refuses one oracle, and a repeat larger than the sample, naming the field", () => {
    const one = bakeoffJobSpecSchema.safeParse({ ...spec, oracles: spec.oracles.slice(0, 1) });
    expect(one.error?.issues[0]?.path).toEqual(["oracles"]);
    const repeat = bakeoffJobSpecSchema.safeParse({ ...spec, sample: { count: 10 }, repeat: 11 });
    expect(repeat.error?.issues[0]?.path).toEqual(["repeat"]);
  });
});
