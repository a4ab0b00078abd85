import { type DatasetRow, datasetReportSchema, exampleFilter, postfilter } from "@distillery/shared";
import { describe, expect, it } from "vitest";
import { buildDistillReport } from "./build";

const filter = exampleFilter();

function row(i: number, split: DatasetRow["split"]): DatasetRow {
  const v = i % 10;
  const scores = { deployment: v, impact: v, evidence: v };
  const categories = { content_type: "news" };
  return {
    article_id: `${split}-${i}`,
    split,
    title: "t",
    body: "b".repeat(300),
    language: "en",
    source: "s",
    url: "",
    scores,
    reasons: {},
    categories,
    ...postfilter(filter, scores, categories),
  } as DatasetRow;
}

describe("buildDistillReport", () => {
  it("marks the cascade goal met with nothing sent when the student alone meets it", () => {
    const test = Array.from({ length: 60 }, (_, i) => row(i, "test"));
    const report = buildDistillReport({
      filter,
      train: Array.from({ length: 60 }, (_, i) => row(i, "train")),
      test,
      student: new Map(
        test.map((r) => [
          r.article_id,
          { article_id: r.article_id, scores: r.scores, categories: r.categories, overall_scale: 1 },
        ]),
      ),
      lexical: null,
      conformal: { method: "normalized", scores: [0.1, 0.5, 1], default_coverage: 0.9, data: "out-of-fold" },
      model: {
        id: "m",
        kind: "probe",
        base_model: "packaged:multilingual-e5-small",
        backend: "onnxruntime-int8",
      },
      training: { curve: null, validation: null, missing: {} },
      dataset: datasetReportSchema.parse({
        total: 120,
        splits: { train: 60, validation: 0, test: 60 },
        stratified_by: "tier",
        near_duplicates_removed: 0,
        empty_texts: 0,
        dimensions: {},
        tiers: {},
        languages: {},
        warnings: [],
      }),
      labels: { file: "labels.jsonl", imported: 120, skipped: 0 },
    });
    expect(report.cascade_goal.met_at).toMatchObject({
      coverage: null,
      share_to_oracle: 0,
      tier_agreement: 1,
    });
    expect(report.verdict.join("\n")).toContain("met with nothing sent to the oracle");
  });
});
