import { fixedBakeoffEstimate } from "@distillery/shared";
import { describe, expect, it } from "vitest";
import { formatBakeoffEstimate } from "./estimate-format";

const estimate = fixedBakeoffEstimate();

describe("formatBakeoffEstimate", () => {
  it("prints the sample, a row per contestant and the total against the budget", () => {
    const text = formatBakeoffEstimate(estimate);
    expect(text).toContain("Dry run of a bake-off on example-energy v2: nothing was sent, nothing spent.");
    expect(text).toContain(
      "Sample: 180 of 200 requested articles pass the prefilter; 20 asked of each oracle twice.",
    );
    const rows = text.split("\n").filter((line) => line.includes("gemini:gemini-2.5-flash"));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/gemini:gemini-2\.5-flash:0\s+0\s+180\s+20\s+60,000\s+5,600\s+0\s+\$0\.03$/);
    expect(rows[1]).toMatch(/:1024\s+1024\s+0\s+200\s+600,000\s+260,800\s+204,800\s+\$0\.83$/);
  });

  it("says what happens when the estimate is over the budget, and when it is not", () => {
    expect(formatBakeoffEstimate(estimate)).toContain(
      "Estimated $0.86 against a budget of $0.50: over it, so the bake-off would stop at the cap with a partial report",
    );
    const within = formatBakeoffEstimate({ ...estimate, budget_usd: 2 });
    expect(within).toContain("Estimated $0.86 against a budget of $2.00.");
    expect(within).not.toContain("over it");
  });

  it("ends with the stand-in banner when a stand-in would answer", () => {
    const text = formatBakeoffEstimate({ ...estimate, banner: "No GEMINI_API_KEY is set." });
    expect(text.trimEnd().endsWith("No GEMINI_API_KEY is set.")).toBe(true);
  });
});
