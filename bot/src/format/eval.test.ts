import { evalReportSchema, sampleEvalReport } from "@distillery/shared";
import { describe, expect, it } from "vitest";
import { confusionTable, dimensionLines, evalEmbeds, qualityBarLines } from "./eval";

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
});
