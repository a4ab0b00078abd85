import { bakeoffReportSchema, fixedBakeoffEstimate, fixedBakeoffReport, type Job } from "@distillery/shared";
import { describe, expect, it } from "vitest";
import { bakeoffEstimateFields, bakeoffReportFields } from "./bakeoff";
import { jobEmbed, jobLine } from "./job";

const report = fixedBakeoffReport();
const fields = bakeoffReportFields(report);
const field = (name: string) => fields.find((f) => f.name.startsWith(name))?.value;

function bakeoffJob(overrides: Partial<Job> = {}): Job {
  return {
    id: "job_b",
    kind: "bakeoff",
    state: "succeeded",
    spec: {
      kind: "bakeoff",
      filter: "example-energy",
      filter_version: 2,
      oracles: [
        { provider: "gemini", model: "gemini-2.5-flash" },
        { provider: "openai", model: "deepseek-chat", thinking: "low" },
      ],
      sample: { count: 200, seed: 42 },
      repeat: 20,
      budget_usd: 2,
      dry_run: false,
    },
    progress: { done: 400, total: 400 },
    result: report,
    error: null,
    attempts: 1,
    lease: null,
    created_by: "bot:discord (discord:42)",
    notify: null,
    created_at: "2026-11-25T10:00:00.000Z",
    updated_at: "2026-11-25T10:05:00.000Z",
    started_at: "2026-11-25T10:00:00.000Z",
    finished_at: "2026-11-25T10:05:00.000Z",
    ...overrides,
  };
}

describe("bakeoffReportFields", () => {
  it("gives each oracle a field: cost per article, labelled and failed by reason, self-consistency", () => {
    expect(fields.find((f) => f.name === "B · openai:deepseek-chat (thinking low)")?.value).toBe(
      "$0.0006/article · 176 labelled · 4 failed (`oracle.rate_limited` 3, `oracle.bad_answer` 1)\nself-consistency: overall MAE 0.60, tiers 84.2% (19 asked twice)",
    );
  });

  it("shows what could not be computed as a dash with the reason, never a 0", () => {
    expect(field("C · openai:qwen2.5:7b")).toBe(
      "per article —: this oracle labelled no article of the sample · 0 labelled · 200 failed (`oracle.unreachable` 200)\nself-consistency —: no article was answered twice by this oracle",
    );
    expect(field("Pairs")).toContain("**A vs C**: —: no article was labelled by both oracles");
  });

  it("gives each pair its overall MAE, signed bias with who scores higher, and tier agreement", () => {
    expect(field("Pairs")?.split("\n")[0]).toBe(
      "**A vs B**: overall MAE 0.95 · bias -0.90 (B scores higher) · tiers agree 72.0% (176 articles)",
    );
  });

  it("counts the disagreements and names the first titles with each oracle's tier", () => {
    const disagreements = fields.find((f) => f.name.startsWith("Disagreements"));
    expect(disagreements?.name).toBe("Disagreements: 3 articles with different tiers");
    expect(disagreements?.value.split("\n")).toEqual([
      "• Grid-scale battery park opens in the north, the largest of its kind in Europe so far (A medium · B high · C —)",
      "• Heat pumps in old houses (A low · B medium · C —)",
    ]);
  });

  it("shows the sample, the spend, an early stop, the banner and a missing figure of another kind", () => {
    const stopped = bakeoffReportFields(
      bakeoffReportSchema.parse({
        ...report,
        stopped_reason: "the budget was reached",
        banner: "no OpenAI key: the local stand-in answered",
        missing: { ...report.missing, "sample.strata": "no article passed the prefilter" },
      }),
    );
    const value = (name: string) => stopped.find((f) => f.name === name)?.value;
    expect(value("Sample")).toBe("180 of 200 requested · 0 labelled by all");
    expect(value("Spent")).toBe("$0.41 of $2.00");
    expect(value("Stopped early")).toBe("the budget was reached");
    expect(value("ℹ️ Note")).toBe("no OpenAI key: the local stand-in answered");
    expect(value("Not computed")).toBe("`sample.strata` —: no article passed the prefilter");
  });

  it("stays within Discord's embed limits with four oracles and long names", () => {
    const long = (i: number) => `openai:${"very-long-model-name-".repeat(12)}${i}`;
    const four = bakeoffReportSchema.parse({
      ...report,
      oracles: [0, 1, 2, 3].map((i) => ({ ...report.oracles[1]!, name: long(i), model: long(i) })),
      pairs: [],
      disagreements: report.disagreements.map((d) => ({ ...d, title: "x".repeat(2_000) })),
    });
    const all = bakeoffReportFields(four);
    expect(all.length).toBeLessThanOrEqual(25);
    for (const f of all) {
      expect(f.name.length).toBeLessThanOrEqual(256);
      expect(f.value.length).toBeLessThanOrEqual(1024);
    }
  });
});

describe("a bake-off job's message", () => {
  it("names the kind, filter, oracles and budget, and ends with the report when it succeeded", () => {
    const embed = jobEmbed(bakeoffJob());
    expect(embed.title).toBe("Oracle bake-off · job_b");
    expect(embed.description).toBe(
      "✅ **succeeded** — filter example-energy v2, gemini:gemini-2.5-flash vs openai:deepseek-chat, budget $2",
    );
    expect(embed.fields?.map((f) => f.name)).toContain("A · gemini:gemini-2.5-flash (thinking 0)");
    expect(jobLine(bakeoffJob())).toContain("Oracle bake-off — succeeded");
  });

  it("shows progress while running, and no report fields", () => {
    const embed = jobEmbed(
      bakeoffJob({ state: "running", result: null, progress: { done: 100, total: 400 } }),
    );
    expect(embed.fields?.find((f) => f.name === "Progress")?.value).toContain("25%");
    expect(embed.fields?.some((f) => f.name.startsWith("A ·"))).toBe(false);
  });
});

describe("a dry-run bake-off's message", () => {
  const estimate = fixedBakeoffEstimate();

  it("shows the sample, each oracle's calls and cost, and warns when the estimate is over the budget", () => {
    const embed = jobEmbed(bakeoffJob({ result: estimate }));
    const byName = Object.fromEntries((embed.fields ?? []).map((f) => [f.name, f.value]));
    expect(byName["Dry run"]).toBe("nothing was sent to any oracle, nothing spent");
    expect(byName.Sample).toBe("180 of 200 requested · 20 asked twice");
    expect(byName["Estimated cost"]).toContain("over the budget");
    expect(byName["A · gemini:gemini-2.5-flash:0 (thinking 0)"]).toContain("20 calls · 180 labels reused");
    expect(byName["B · gemini:gemini-2.5-flash:1024 (thinking 1024)"]).toContain("200 calls");
    // No report fields: nothing was asked, so nothing can be compared.
    expect(embed.fields?.some((f) => f.name.startsWith("Pairs"))).toBe(false);
  });

  it("does not warn when the estimate fits the budget", () => {
    const fields = bakeoffEstimateFields({ ...estimate, budget_usd: 5 });
    expect(fields.find((f) => f.name === "Estimated cost")?.value).not.toContain("over");
  });
});
