import { evalReportSchema, sampleEvalReport } from "@distillery/shared";
import { describe, expect, it } from "vitest";
import {
  cascadeLines,
  categoryLines,
  confusionTable,
  dimensionLines,
  evalEmbeds,
  needleLines,
  qualityBarLines,
} from "./eval";

const report = evalReportSchema.parse(sampleEvalReport());

describe("eval embeds", () => {
  it("marks each quality-bar metric green or red against its target", () => {
    const lines = qualityBarLines(report);
    expect(lines).toHaveLength(4);
    const worse = qualityBarLines({ ...report, metrics: { ...report.metrics, tier_agreement: 0.5 } });
    expect(worse.find((l) => l.includes("tier agreement"))).toMatch(/^🔴 .* 50\.0%\s+≥ 85\.0%$/);
    expect(lines.find((l) => l.includes("accuracy"))).toMatch(/^🟢/);
  });

  it("marks each dimension against the dimension-MAE bar", () => {
    const lines = dimensionLines(report);
    for (const [key, m] of Object.entries(report.metrics.per_dimension)) {
      const line = lines.find((l) => l.includes(` ${key} `))!;
      expect(line.startsWith(m.mae <= 1 ? "🟢" : "🔴")).toBe(true);
      expect(line).toContain(m.mae.toFixed(2));
    }
  });

  it("lays the confusion matrix out with oracle rows and student columns", () => {
    const [head, high] = confusionTable(report);
    expect(head).toMatch(/high\s+medium\s+low$/);
    expect(high!.trim().split(/\s+/)).toEqual(["high", ...report.tier_confusion.matrix[0]!.map(String)]);
  });

  it("turns red when any metric misses, and points chart embeds at their attachments", () => {
    const embeds = evalEmbeds({ ...report, metrics: { ...report.metrics, overall_mae: 2 } }, [
      { file: "scatter.png", title: "Student vs oracle" },
    ]);
    expect(embeds[0]!.color).toBe(0xed4245);
    expect(embeds[0]!.description).toContain("misses the quality bar");
    expect(embeds[1]!.image?.url).toBe("attachment://scatter.png");
    for (const f of embeds[0]!.fields!) expect(f.value.length).toBeLessThanOrEqual(1024);
  });

  it("stays under Discord's field limit with many dimensions", () => {
    const many = Object.fromEntries(
      Array.from({ length: 40 }, (_, i) => [`dimension_${i}`, { mae: 0.5, spearman: 0.9 }]),
    );
    const embeds = evalEmbeds({ ...report, metrics: { ...report.metrics, per_dimension: many } });
    const dims = embeds[0]!.fields!.find((f) => f.name.startsWith("MAE per dimension"))!.value;
    expect(dims.length).toBeLessThanOrEqual(1024);
    expect(dims).toMatch(/… \d+ more/);
  });

  it("shows the lexical baseline, or the report's reason when there is none", () => {
    const field = (r: typeof report) =>
      evalEmbeds(r)[0]!.fields!.find((f) => f.name === "Against the baselines")!.value;
    expect(field(report)).toMatch(/lexical\s+\d\.\d\d\s+\d+\.\d%/);
    const without = {
      ...report,
      baselines: { ...report.baselines, lexical: null },
      missing: { "baselines.lexical": "the eval job was given no train split" },
    };
    expect(field(without)).toContain("lexical: the eval job was given no train split");
  });

  it("shows the student's own category accuracy and confusion", () => {
    const c = report.categories.content_type!;
    const lines = categoryLines(report);
    expect(lines[0]).toBe(`content_type: ${(c.accuracy * 100).toFixed(1)}% right on ${c.n}`);
    expect(lines[2]!.trim().split(/\s+/)).toEqual(["news", ...c.matrix[0]!.map(String)]);
    expect(
      categoryLines({
        ...report,
        categories: {},
        missing: { categories: "the student predicts no categories" },
      }),
    ).toEqual(["none: the student predicts no categories"]);
  });

  it("shows the top tier as needles: recall, precision and R-precision beside the baselines, then @k", () => {
    const needle = report.needle!;
    const lines = needleLines(report);
    expect(lines[0]).toBe(`'high': ${needle.support} of ${needle.n} test articles (oracle)`);
    const student = lines
      .find((l) => l.startsWith("student "))!
      .trim()
      .split(/\s+/);
    const rPrecision = needle.recall_at_k.find((p) => p.k === needle.support)!.value!;
    expect(student).toEqual([
      "student",
      ...[needle.recall!, needle.precision!, rPrecision].map((v) => `${(v * 100).toFixed(1)}%`),
    ]);
    // The constant baseline calls nothing 'high': its precision is undefined, not 0.
    expect(lines.find((l) => l.startsWith("constant"))).toMatch(/^constant\s+0\.0%\s+n\/a\s+\d/);
    expect(lines.find((l) => l.startsWith("Recall@k"))).toContain(
      `${needle.support}: ${(rPrecision * 100).toFixed(1)}%`,
    );
    expect(lines.find((l) => l.startsWith("NDCG@k"))).toMatch(/^NDCG@k\s+10: 0\.\d\d · /);
    expect(evalEmbeds(report)[0]!.fields!.find((f) => f.name === "Top tier (rare)")!.value).toContain(
      "R-prec",
    );
  });

  it("shows why the needle metrics are missing", () => {
    expect(needleLines({ ...report, needle: null, missing: { needle: "the test split is empty" } })).toEqual([
      "none: the test split is empty",
    ]);
    const none = {
      ...report.needle!,
      support: 0,
      recall: null,
      missing: { recall: "no article is in the top tier 'high' by the oracle's scores" },
    };
    expect(needleLines({ ...report, needle: none })).toEqual([
      `'high': 0 of ${none.n} test articles (oracle)`,
      "recall n/a: no article is in the top tier 'high' by the oracle's scores",
    ]);
  });

  it("shows the cascade from the headline, each point with its 95% lower bound", () => {
    const [alone, picked, reached] = cascadeLines(report);
    const first = report.cascade[0]!;
    expect(first.tier_agreement).toBe(report.metrics.tier_agreement);
    expect(alone).toContain(
      `${(first.tier_agreement * 100).toFixed(1)}% tiers (≥ ${(first.tier_agreement_lower * 100).toFixed(1)}%)`,
    );
    const point = report.cascade.find((p) => p.coverage === 0.9)!;
    expect(picked).toMatch(/^coverage 90\.0%/);
    expect(picked).toContain(`(≥ ${(point.tier_agreement_lower * 100).toFixed(1)}%)`);
    expect(reached).toBe(
      `coverage reached on the test split: ${(point.coverage_reached! * 100).toFixed(1)}%`,
    );
    expect(
      cascadeLines({
        ...report,
        cascade: [],
        missing: { cascade: "the model carries no conformal calibration" },
      }),
    ).toEqual(["none: the model carries no conformal calibration"]);
  });
});
