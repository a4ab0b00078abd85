import { describe, expect, it } from "vitest";
import { postfilter } from "../filter/postfilter";
import type { DatasetRow } from "../schemas/dataset";
import type { Prediction } from "../schemas/prediction";
import { exampleFilter } from "../testing/example-filter";
import { buildEvalReport, constantBaseline, type EvalReportInput } from "./eval-report";

const filter = exampleFilter();
const s = (deployment: number, impact: number, evidence: number) => ({ deployment, impact, evidence });

function row(
  id: string,
  scores: Record<string, number>,
  contentType = "news",
  split: DatasetRow["split"] = "test",
) {
  const categories = { content_type: contentType };
  const { overall, tier } = postfilter(filter, scores, categories);
  return {
    article_id: id,
    split,
    title: "t",
    body: "b".repeat(400),
    language: "en",
    source: "s",
    url: "",
    scores,
    reasons: {},
    categories,
    overall,
    tier,
  } satisfies DatasetRow;
}

/** 40 test articles across the tiers; a quarter are press releases (capped at 5 by the oracle). */
const test = Array.from({ length: 40 }, (_, i) => {
  const v = (i * 7) % 11;
  return row(`a${i}`, s(v, v, v), i % 4 === 0 ? "press_release" : "news");
});
const train = Array.from({ length: 30 }, (_, i) =>
  row(`t${i}`, s(i % 10, 5, 5), i % 3 === 0 ? "press_release" : "news", "train"),
);

function input(
  student: (r: DatasetRow, i: number) => Omit<Prediction, "article_id">,
  overrides: Partial<EvalReportInput> = {},
): EvalReportInput {
  return {
    filter,
    train,
    test,
    student: new Map(test.map((r, i) => [r.article_id, { article_id: r.article_id, ...student(r, i) }])),
    lexical: null,
    conformal: null,
    model: {
      id: "m1",
      kind: "probe",
      base_model: "packaged:multilingual-e5-small",
      backend: "onnxruntime-int8",
    },
    training: { curve: null, validation: null, missing: {} },
    createdAt: "2026-11-25T00:00:00.000Z",
    ...overrides,
  };
}

describe("buildEvalReport", () => {
  it("scores the student with its own categories: an oracle-only cap is a miss, not a gift", () => {
    // A perfect scorer that predicts no categories: every oracle press release (capped at 5) it
    // scores above 5 lands in a different tier.
    const report = buildEvalReport(input((r) => ({ scores: r.scores })));
    const capped = test.filter((r) => r.categories.content_type === "press_release");
    const changed = capped.filter((r) => postfilter(filter, r.scores).tier !== r.tier).length;
    expect(changed).toBeGreaterThan(0);
    expect(report.metrics.tier_agreement).toBeCloseTo(1 - changed / test.length, 12);
    expect(report.categories).toEqual({});
    expect(report.missing.categories).toBe("the student predicts no categories");
    expect(report.verdict.join("\n")).toContain("predicts no categories");

    // The same scorer with its own (right) categories agrees everywhere, and its category accuracy shows.
    const own = buildEvalReport(input((r) => ({ scores: r.scores, categories: r.categories })));
    expect(own.metrics.tier_agreement).toBe(1);
    expect(own.categories.content_type).toMatchObject({
      accuracy: 1,
      n: 40,
      labels: ["news", "press_release"],
    });
    expect(own.missing.categories).toBeUndefined();
  });

  it("draws the cascade from the headline: nothing sent equals the headline tier agreement, then never drops", () => {
    const report = buildEvalReport(
      input(
        (r, i) => ({
          scores: s(r.scores.deployment! + (i % 3) - 1, r.scores.impact!, r.scores.evidence!),
          categories: r.categories,
          overall_scale: 0.5 + (i % 5) / 4,
        }),
        {
          conformal: {
            method: "normalized",
            scores: [0.1, 0.2, 0.3, 0.5, 0.8, 1, 1.2, 1.5, 2, 3],
            default_coverage: 0.9,
            data: "out-of-fold",
          },
        },
      ),
    );
    const [first, ...rest] = report.cascade;
    expect(first).toMatchObject({ coverage: null, share_to_oracle: 0, coverage_reached: null });
    expect(first!.tier_agreement).toBe(report.metrics.tier_agreement);
    expect(first!.tier_agreement_lower).toBeLessThan(first!.tier_agreement);
    let previous = first!;
    for (const point of rest) {
      expect(point.coverage).not.toBeNull();
      expect(point.coverage_reached).not.toBeNull();
      expect(point.tier_agreement).toBeGreaterThanOrEqual(previous.tier_agreement);
      previous = point;
    }
    expect(report.missing.cascade).toBeUndefined();
  });

  it("says the cascade goal is met with nothing sent when the student alone meets it", () => {
    const report = buildEvalReport(
      input((r) => ({ scores: r.scores, categories: r.categories, overall_scale: 1 }), {
        conformal: { method: "absolute", scores: [0.5, 1, 2], default_coverage: 0.5, data: "x" },
      }),
    );
    expect(report.metrics.tier_agreement).toBe(1);
    expect(report.verdict.find((l) => l.startsWith("Cascade goal"))).toMatch(
      /met with nothing sent to the oracle: the student alone reaches 100% \(95% lower bound 91\.2%\)\. Not yet sure on 40 test articles: the lower bound is below the goal\./,
    );
  });

  it("shows what isotonic calibration did on the test split, per dimension", () => {
    const report = buildEvalReport(
      input((r) => ({
        scores: r.scores,
        uncalibrated_scores: { ...r.scores, deployment: r.scores.deployment! + 0.5 },
      })),
    );
    expect(report.calibration).toEqual({
      deployment: { mae_before: 0.5, mae_after: 0, applied: true },
      impact: { mae_before: 0, mae_after: 0, applied: false },
      evidence: { mae_before: 0, mae_after: 0, applied: false },
    });
    const none = buildEvalReport(input((r) => ({ scores: r.scores })));
    expect(none.calibration).toBeNull();
    expect(none.missing.calibration).toMatch(/no uncalibrated scores/);
  });

  it("gives a reason for every field it leaves null or empty, from the caller when it has one", () => {
    const report = buildEvalReport(
      input((r) => ({ scores: r.scores }), {
        training: {
          curve: null,
          validation: null,
          missing: { training_curve: "the lexical student is fitted in closed form" },
        },
        missing: {
          lexical_baseline: "the eval job was given no train split",
          conformal: "the model was trained before conformal calibration existed",
        },
      }),
    );
    expect(report.baselines.lexical).toBeNull();
    expect(report.missing).toMatchObject({
      "baselines.lexical": "the eval job was given no train split",
      training_curve: "the lexical student is fitted in closed form",
      validation: "the train result has no out-of-fold validation figures",
      cascade: "the model was trained before conformal calibration existed",
      categories: "the student predicts no categories",
    });
    expect(report.verdict).toContain(
      "No lexical baseline to compare with: the eval job was given no train split.",
    );

    const withoutReasons = buildEvalReport(input((r) => ({ scores: r.scores })));
    expect(withoutReasons.missing.cascade).toBe("the model carries no conformal calibration");
    expect(withoutReasons.verdict).toContain("No cascade curve: the model carries no conformal calibration.");
  });

  it("says 'clearly beats' the lexical baseline only by a margin", () => {
    const lexical = (offset: number) =>
      new Map(
        test.map((r) => [
          r.article_id,
          {
            article_id: r.article_id,
            scores: s(r.scores.deployment! + offset, r.scores.impact!, r.scores.evidence!),
          },
        ]),
      );
    // Student dimension MAE 0.3 (deployment off by 0.9 everywhere); lexical slightly worse or much worse.
    const student = (r: DatasetRow) => ({
      scores: s(r.scores.deployment! + 0.9, r.scores.impact!, r.scores.evidence!),
    });
    const narrow = buildEvalReport(input(student, { lexical: lexical(0.93) }));
    expect(narrow.verdict.join("\n")).toMatch(/beats the lexical baseline only narrowly/);
    const clear = buildEvalReport(input(student, { lexical: lexical(1.5) }));
    expect(clear.verdict.join("\n")).toMatch(
      /clearly beats the lexical baseline \(dimension MAE 0\.3 vs 0\.5\)/,
    );
    const worse = buildEvalReport(input(student, { lexical: lexical(0.6) }));
    expect(worse.verdict.join("\n")).toMatch(/does not beat the lexical baseline/);
    expect(worse.missing["baselines.lexical"]).toBeUndefined();
  });

  it("reports the top tier as needles for the student and both baselines", () => {
    const oracleHigh = test.filter((r) => r.tier === "high").length;
    // Without categories the student lifts the oracle's capped press releases into 'high' too.
    const noCategories = buildEvalReport(input((r) => ({ scores: r.scores })));
    const lifted = test.filter(
      (r) => r.tier !== "high" && postfilter(filter, r.scores).tier === "high",
    ).length;
    expect(lifted).toBeGreaterThan(0);
    expect(noCategories.needle).toMatchObject({
      top_tiers: ["high"],
      n: 40,
      support: oracleHigh,
      predicted: oracleHigh + lifted,
      recall: 1,
    });
    expect(noCategories.needle!.precision).toBeCloseTo(oracleHigh / (oracleHigh + lifted), 12);
    expect(noCategories.needle!.recall_at_k.map((p) => p.k)).toEqual([10, oracleHigh].sort((a, b) => a - b));
    expect(noCategories.verdict.at(-1)).toBe(
      `Top tier 'high' (${oracleHigh} of 40 test articles by the oracle): the student finds ${oracleHigh} (recall 100%); ${oracleHigh} of its ${oracleHigh + lifted} top-tier calls are right (precision ${Math.round((oracleHigh / (oracleHigh + lifted)) * 1000) / 10}%).`,
    );

    const perfect = buildEvalReport(input((r) => ({ scores: r.scores, categories: r.categories })));
    expect(perfect.needle).toMatchObject({ recall: 1, precision: 1 });
    expect(perfect.needle!.ndcg_at_k.every((p) => p.value === 1)).toBe(true);
    // The constant baseline scores every article alike (medium): it calls nothing 'high'.
    expect(perfect.baselines_needle!.constant).toMatchObject({ predicted: 0, recall: 0, precision: null });
    expect(perfect.baselines_needle!.lexical).toBeNull();
    expect(perfect.missing["baselines_needle.lexical"]).toBe(perfect.missing["baselines.lexical"]);
  });

  it("leaves the needle metrics null with a reason on an empty test split", () => {
    const report = buildEvalReport({ ...input((r) => ({ scores: r.scores })), test: [] });
    expect(report.needle).toBeNull();
    expect(report.baselines_needle).toBeNull();
    expect(report.missing.needle).toBe("the test split is empty");
  });

  it("passes the train job's curve and out-of-fold validation through", () => {
    const curve = { unit: "train_articles" as const, points: [{ x: 100, loss: 0.5, val_loss: 0.9 }] };
    const validation = {
      method: "5-fold cross-fitting over train+validation",
      n: 300,
      dimension_mae: 0.8,
      per_dimension: { deployment: 0.7, impact: 0.8, evidence: 0.9 },
      lexical_dimension_mae: 0.95,
      category_accuracy: { content_type: 0.9 },
    };
    const report = buildEvalReport(
      input((r) => ({ scores: r.scores }), { training: { curve, validation, missing: {} } }),
    );
    expect(report.training_curve).toEqual(curve);
    expect(report.validation).toEqual(validation);
    expect(report.missing.training_curve).toBeUndefined();
  });
});

describe("constantBaseline", () => {
  it("predicts the train medians and each field's most frequent train value", () => {
    const constant = constantBaseline(filter, train);
    expect(constant.scores).toEqual({ deployment: 4.5, impact: 5, evidence: 5 });
    expect(constant.categories).toEqual({ content_type: "news" });
    const mostlyPress = train.map((r, i) => ({
      ...r,
      categories: { content_type: i < 20 ? "press_release" : "news" },
    }));
    expect(constantBaseline(filter, mostlyPress).categories).toEqual({ content_type: "press_release" });
  });
});
