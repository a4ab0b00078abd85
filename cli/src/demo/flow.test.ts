import { evalReportSchema, sampleEvalReport } from "@distillery/shared";
import { describe, expect, it } from "vitest";
import { DEMO_ENCODER, summary } from "./flow";

const report = evalReportSchema.parse(sampleEvalReport());

describe("the demo's eval summary", () => {
  it("names the base model and prints every quality-bar row with PASS or FAIL", () => {
    const text = summary(report);
    expect(text).toContain("regression student on Qwen/Qwen2.5-0.5B (transformers+peft)");
    for (const metric of Object.keys(report.quality_bar))
      expect(text).toMatch(new RegExp(`^  (PASS|FAIL) ${metric} `, "m"));
  });

  it("prints both baselines beside the student", () => {
    const text = summary(report);
    const lexical = report.baselines.lexical!;
    expect(text).toContain(
      `  lexical   ${lexical.dimension_mae.toFixed(3).padStart(14)}${`${(lexical.tier_agreement * 100).toFixed(1)}%`.padStart(16)}`,
    );
    expect(text).toMatch(/^ {2}constant +\d\.\d{3} +\d+\.\d%$/m);
    const without = summary({
      ...report,
      baselines: { ...report.baselines, lexical: null },
      missing: { "baselines.lexical": "the eval job was given no train split" },
    });
    expect(without).toContain("lexical     not available: the eval job was given no train split");
  });

  it("starts the cascade line at the headline tier agreement", () => {
    const headline = `${(report.metrics.tier_agreement * 100).toFixed(1)}%`;
    expect(summary(report)).toMatch(
      new RegExp(
        `cascade: nothing sent ${headline.replace(".", "\\.")} \\(lower bound [\\d.]+%, the headline\\)`,
      ),
    );
    expect(
      summary({ ...report, cascade: [], missing: { cascade: "the model carries no conformal calibration" } }),
    ).toContain("cascade: none (the model carries no conformal calibration)");
  });

  it("trains the probe on the packaged multilingual encoder by default", () => {
    expect(DEMO_ENCODER).toBe("packaged:multilingual-e5-small");
  });
});
