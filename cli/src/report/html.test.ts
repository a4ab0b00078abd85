import { type EvalReport, evalReportSchema, sampleEvalReport } from "@distillery/shared";
import { describe, expect, it } from "vitest";
import { renderReportHtml } from "./html";

const report = evalReportSchema.parse(sampleEvalReport(80));
const text = (html: string) =>
  html
    .replace(/<svg[\s\S]*?<\/svg>/g, "")
    .replace(/<style>[\s\S]*?<\/style>/, "")
    .replace(/<[^>]+>/g, " ")
    .replace(/&#39;/g, "'")
    .replace(/&gt;/g, ">")
    .replace(/&lt;/g, "<")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ");

/** The sample report with every optional part gone, each with its reason. */
const bare: EvalReport = {
  ...report,
  baselines: { ...report.baselines, lexical: null },
  training_curve: null,
  validation: null,
  calibration: null,
  categories: {},
  cascade: [],
  needle: null,
  baselines_needle: null,
  missing: {
    needle: "the test split is empty",
    "baselines.lexical": "the eval job was given no train split",
    training_curve: "the train result has no training curve",
    validation: "the train result has no out-of-fold validation figures",
    calibration: "the student's predictions carry no uncalibrated scores",
    categories: "the student predicts no categories",
    cascade: "the model carries no conformal calibration",
  },
};

describe("report.html", () => {
  it("shows the model, both baselines, calibration, validation, categories, the cascade and the curve", async () => {
    const page = text(await renderReportHtml(report));
    expect(page).toContain("regression on Qwen/Qwen2.5-0.5B , run with transformers+peft");
    expect(page).toMatch(/lexical \(TF-IDF \+ ridge, fitted on train\) \d+(\.\d)?%/);
    expect(page).toContain("constant (train median, most frequent category)");
    expect(page).toContain("test MAE before calibration");
    expect(page).toContain("isotonic applied");
    expect(page).toContain("Validation (out-of-fold, from training)");
    expect(page).toContain("5-fold cross-fitting over train+validation (synthetic)");
    const c = report.categories.content_type!;
    expect(page).toContain(`content_type: ${Math.round(c.accuracy * 1000) / 10}% right on ${c.n} articles`);
    expect(page).toContain("coverage asked coverage reached sent to oracle tier agreement 95% lower bound");
    expect(page).toMatch(/nothing sent no intervals 0% /);
    expect(page).toContain("Loss per optimiser step");
    // Every chart, cascade and categories included.
    expect((await renderReportHtml(report)).match(/<svg/g)).toHaveLength(6);
  });

  it("shows the top tier as needles beside the baselines, with Recall@k and NDCG@k per cut-off", async () => {
    const page = text(await renderReportHtml(report));
    const needle = report.needle!;
    const pct = (v: number) => `${Math.round(v * 1000) / 10}%`;
    expect(page).toContain(
      `Top tier high : ${needle.support} of ${needle.n} test articles by the oracle's scores (R).`,
    );
    const rPrecision = needle.recall_at_k.find((p) => p.k === needle.support)!.value!;
    expect(page).toContain(
      `student ${needle.predicted} ${pct(needle.recall!)} ${pct(needle.precision!)} ${pct(rPrecision)}`,
    );
    // The constant baseline calls nothing 'high': precision n/a, with the reason.
    expect(page).toMatch(/constant 0 0% n\/a \d/);
    expect(page).toContain("constant precision : the student puts no article in the top tier 'high'");
    expect(page).toContain(`${needle.support} (= R) ${pct(rPrecision)}`);
    expect(page).toContain("student Recall@k student NDCG@k constant Recall@k");
  });

  it("gives the reason for every part a report lacks, never a bare dash", async () => {
    const html = await renderReportHtml(bare);
    const page = text(html);
    for (const reason of Object.values(bare.missing)) expect(page).toContain(reason);
    expect(page).toContain("Not computed, and why");
    expect(page).not.toMatch(/\s[–-]\s/);
  });
});
