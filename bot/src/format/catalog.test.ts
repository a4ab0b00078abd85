import { exampleFilter, type FilterRecord, type OracleEstimate } from "@distillery/shared";
import { describe, expect, it } from "vitest";
import { parseFilterRef } from "../commands/choices";
import { spendLine } from "../commands/status";
import { datasetEmbed, estimateEmbed, filterEmbed, filterListEmbed, promptHead } from "./catalog";

const field = (embed: { fields?: { name: string; value: string }[] }, name: string) =>
  embed.fields?.find((f) => f.name.startsWith(name))?.value;

const filter = exampleFilter();
const record: FilterRecord = {
  name: filter.name,
  version: 2,
  description: "Energy transition news",
  prompt_hash: "abcdef0123456789",
  package: filter,
  created_by: "admin:test",
  created_at: "2026-11-25T10:00:00.000Z",
};

describe("filter embeds", () => {
  it("lists each filter with its versions", () => {
    const embed = filterListEmbed([
      { name: "energy", latest_version: 3, versions: [1, 2, 3], description: "E" },
    ]);
    expect(embed.fields?.[0]).toEqual({ name: "energy · v3", value: "E\nversions: v1, v2, v3" });
  });

  it("summarises a filter: prompt head, weighted dimensions, gatekeepers and tiers", () => {
    const embed = filterEmbed(record);
    expect(embed.title).toBe(`${filter.name} v2`);
    const dims = field(embed, "Dimensions")!;
    for (const d of filter.dimensions) expect(dims).toContain(`\`${d.key}\``);
    expect(dims).toContain(`weight **${filter.dimensions[0]!.weight}**`);
    expect(field(embed, "Tiers")).toContain(`≥ ${filter.tiers[0]!.min_overall}`);
    expect(field(embed, "Gatekeepers")).toBe(
      filter.gatekeepers
        .map((g) => `\`${g.dimension}\` < ${g.min} → overall capped at ${g.cap_overall_at}`)
        .join("\n") || "none",
    );
    expect(field(embed, "Prompt")).toMatch(/^```md\n/);
  });

  it("keeps the first lines of a prompt and says how many more there are", () => {
    expect(promptHead("a\n\nb\nc\nd", 2)).toBe("a\nb\n… 2 more lines");
    expect(promptHead("a\nb", 6)).toBe("a\nb");
  });
});

describe("dataset report", () => {
  it("shows splits, duplicates, dimension ranges and warnings", () => {
    const embed = datasetEmbed({
      id: "ds_1",
      filter: "energy",
      filter_version: 1,
      seed: 42,
      content_hash: "0123456789abcdef",
      created_at: "2026-11-25T10:00:00.000Z",
      report: {
        total: 1000,
        splits: { train: 800, validation: 100, test: 100 },
        stratified_by: "tier",
        near_duplicates_removed: 12,
        empty_texts: 0,
        dimensions: { impact: { min: 0, max: 9.5, mean: 4.25, variance: 3.1 } },
        tiers: { high: 120, low: 880 },
        languages: { en: 900, nl: 100 },
        warnings: ["tier 'high' has few test rows"],
      },
    });
    expect(field(embed, "Splits")).toBe("train 800 · validation 100 · test 100");
    expect(field(embed, "Near-duplicates")).toBe("12");
    expect(field(embed, "Dimensions")).toContain("impact");
    expect(field(embed, "Dimensions")).toContain("0.0–9.5");
    expect(field(embed, "Tiers")).toBe("low 880 · high 120");
    expect(field(embed, "⚠️ Warnings")).toBe("• tier 'high' has few test rows");
  });
});

describe("oracle estimate", () => {
  const estimate: OracleEstimate = {
    selected: 200,
    blocked_by_prefilter: 50,
    already_labelled: 30,
    to_label: 120,
    input_tokens: 240_000,
    cached_tokens: 100_000,
    output_tokens: 24_000,
    thinking_tokens: 0,
    usd: 0.1323,
    minutes: 1.5,
    provider: "gemini",
    model: "gemini-2.5-flash",
    thinking: 0,
    mode: "interactive",
    prompt_hash: "h",
  };

  it("shows what passes the prefilter, the expected cost and the stand-in banner", () => {
    const embed = estimateEmbed({ filter: "energy", budget_usd: 5 }, estimate, "local stand-in");
    expect(field(embed, "Pass the prefilter")).toBe("150 (75.0%)");
    expect(field(embed, "Expected cost")).toBe("$0.13");
    expect(field(embed, "Expected time")).toBe("1m 30s");
    expect(field(embed, "ℹ️ Note")).toBe("local stand-in");
  });

  it("warns when the estimate is over the budget", () => {
    expect(field(estimateEmbed({ filter: "e", budget_usd: 0.05 }, estimate), "Expected cost")).toContain(
      "over budget",
    );
  });
});

describe("options and spend", () => {
  it("reads name@version and names the option when it is wrong", () => {
    expect(parseFilterRef("energy@2")).toEqual({ filter: "energy", filter_version: 2 });
    expect(parseFilterRef("energy")).toEqual({ filter: "energy" });
    expect(() => parseFilterRef("energy@two")).toThrow(/not a filter/);
  });

  it("shows today's spend against the daily budget", () => {
    expect(spendLine({ total_usd: 12.5, budget_usd_per_day: 50 })).toBe(
      `$12.50 of $50.00\n\`${"█".repeat(4)}${"░".repeat(12)} 25%\``,
    );
    expect(spendLine({ total_usd: 1, budget_usd_per_day: undefined })).toBe("$1.00");
  });
});
