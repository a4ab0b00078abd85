import { bakeoffReportSchema, fixedBakeoffReport } from "@distillery/shared";
import { describe, expect, it } from "vitest";
import { formatBakeoffReport, table, verdictLine } from "./format";

const lineWith = (text: string, needle: string) =>
  text.split("\n").find((line) => line.includes(needle)) ?? "";

describe("formatBakeoffReport", () => {
  const report = fixedBakeoffReport();
  const text = formatBakeoffReport(report);

  it("opens with the filter, the sample and the spend", () => {
    expect(text.split("\n")[0]).toBe(
      "Bake-off of example-energy v2: 180 of 200 requested articles sampled (wire/en 100, daily/de 80), 0 labelled by every oracle; spent $0.41 of $2.00",
    );
  });

  it("gives each oracle a row: thinking, cost per article, labelled, self-consistency and failures by reason", () => {
    const b = lineWith(text, "openai:deepseek-chat  ");
    expect(b.split(/\s{2,}/).filter(Boolean)).toEqual([
      "B",
      "openai:deepseek-chat",
      "low",
      "$0.000580",
      "$0.11",
      "176",
      "0.60",
      "84.2%",
      "19",
      "4 (oracle.rate_limited 3, oracle.bad_answer 1)",
    ]);
  });

  it("shows a figure that could not be computed as a dash, never a 0, and lists its reason", () => {
    const c = lineWith(text, "C  openai:qwen2.5:7b");
    expect(c.split(/\s{2,}/).filter(Boolean)).toEqual([
      "C",
      "openai:qwen2.5:7b",
      "none",
      "—",
      "$0.00",
      "0",
      "—",
      "—",
      "—",
      "200 (oracle.unreachable 200)",
    ]);
    expect(lineWith(text, "C openai:qwen2.5:7b self-consistency")).toMatch(
      /—: no article was answered twice by this oracle$/,
    );
    expect(lineWith(text, "gemini:gemini-2.5-flash vs openai:qwen2.5:7b")).toMatch(
      /—: no article was labelled by both oracles$/,
    );
  });

  it("gives each pair its overall figures and per-dimension MAE, signed bias with who is higher, and correlation", () => {
    expect(text).toContain(
      "A vs B (gemini:gemini-2.5-flash vs openai:deepseek-chat), 176 articles both answered: overall MAE 0.95, bias -0.90 (B higher), tier agreement 72.0%",
    );
    expect(
      lineWith(text, "deployment")
        .split(/\s{2,}/)
        .filter(Boolean),
    ).toEqual(["deployment", "1.10", "-1.05 (B higher)", "0.81"]);
    expect(lineWith(text, "impact ").trim().endsWith("—")).toBe(true);
  });

  it("lists the first disagreements with each oracle's tier, and how many there are in all", () => {
    expect(text).toContain("Disagreements: 3 articles got different tiers (first 2, largest spread first)");
    expect(
      lineWith(text, "art_2")
        .split(/\s{2,}/)
        .filter(Boolean),
    ).toEqual(["art_2", "Heat pumps in old houses", "low (3.1)", "medium (4.4)", "—"]);
  });

  it("ends by telling bias from noise", () => {
    expect(text.trimEnd().split("\n").at(-1)).toBe(
      "openai:deepseek-chat scores 0.90 higher than gemini:gemini-2.5-flash on average (bias); gemini:gemini-2.5-flash repeats itself within 0.00, openai:deepseek-chat within 0.60 (noise)",
    );
  });

  it("says when two oracles agree on average, and why an oracle's noise is unknown", () => {
    const even = bakeoffReportSchema.parse({
      ...report,
      pairs: [{ ...report.pairs[0]!, b: "openai:qwen2.5:7b", overall_bias: 0.01 }],
    });
    expect(verdictLine(even, even.pairs[0]!)).toBe(
      "gemini:gemini-2.5-flash and openai:qwen2.5:7b score the same on average (bias +0.01); gemini:gemini-2.5-flash repeats itself within 0.00, openai:qwen2.5:7b — (no article was answered twice by this oracle) (noise)",
    );
  });

  it("mentions an early stop and the stand-in banner, and a bake-off without disagreements", () => {
    const quiet = formatBakeoffReport(
      bakeoffReportSchema.parse({
        ...report,
        stopped_reason: "the budget of $2 was reached",
        banner: "no OpenAI key: the local stand-in answered",
        disagreements: [],
        disagreements_total: 0,
      }),
    );
    expect(quiet).toContain("Stopped early: the budget of $2 was reached");
    expect(quiet).toContain("Note: no OpenAI key: the local stand-in answered");
    expect(quiet).toContain("Disagreements: none");
  });
});

describe("table", () => {
  it("pads columns to their widest cell, left or right", () => {
    expect(
      table(
        [
          ["a", "1"],
          ["bbb", "22"],
        ],
        ["left", "right"],
      ),
    ).toEqual(["  a     1", "  bbb  22"]);
  });
});
