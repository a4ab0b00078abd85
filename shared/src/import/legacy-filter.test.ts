import { describe, expect, it } from "vitest";
import { parseFilterPackage } from "../filter/load";
import { validFilterConfigSchema } from "../schemas/filter";
import { convertLegacyFilterConfig } from "./legacy-filter";
import { importedFilterYaml } from "./yaml-output";

// Written for these tests in the shapes LLM Distillery configs use (not copied from any real filter).
const INLINE_GATEKEEPER_CONFIG = `
filter:
  name: river-health
  version: "1.0"
  description: "Rivers getting cleaner"
prefilter:
  enabled: true
scoring:
  dimensions:
    water_quality:
      weight: 0.5
      description: "Measured water quality"
      scale: "0-2: none | 3-5: some | 6-10: strong"
    evidence:
      weight: 0.3
      description: "Sources and data"
      gatekeeper: true
      gatekeeper_threshold: 4
      gatekeeper_max_score: 3.5
    reach:
      weight: 0.2
      description: "How many people benefit"
  tiers:
    low:
      threshold: 0.0
      description: "Little to report"
    high:
      threshold: 7.0
      description: "Clear improvement"
    mid:
      threshold: 4.0
      description: "Some improvement"
  content_type_caps:
    press_release:
      max_score: 4.0
      triggers: ["Company announcements"]
      exceptions: ["independent measurements"]
    opinion:
      max_overall: 5.0
      max_evidence: 2
      condition: "evidence < 5"
`;

const PROMPT =
  '# Doc\n\n## PROMPT TEMPLATE\n\n```\nScore the article.\n\nARTICLE:\nTitle: {title}\nText: {text}\n\nReturn {{"a": 1}}\n```\n';

function convert(configYaml: string, options = {}) {
  return convertLegacyFilterConfig(configYaml, PROMPT, options);
}

describe("convertLegacyFilterConfig", () => {
  it("converts dimensions, an inline gatekeeper, tiers and content-type caps into a valid filter", () => {
    const { config, prompt, warnings } = convert(INLINE_GATEKEEPER_CONFIG);
    expect(validFilterConfigSchema.safeParse(config).success).toBe(true);
    expect(config).toMatchObject({ name: "river-health", version: 1, description: "Rivers getting cleaner" });
    expect(config.dimensions.map((d) => [d.key, d.label, d.weight])).toEqual([
      ["water_quality", "Water quality", 0.5],
      ["evidence", "Evidence", 0.3],
      ["reach", "Reach", 0.2],
    ]);
    expect(config.dimensions[0]!.scale_notes).toBe("0-2: none | 3-5: some | 6-10: strong");
    expect(config.gatekeepers).toEqual([
      {
        dimension: "evidence",
        min: 4,
        cap_overall_at: 3.5,
        reason: "evidence below 4 caps the overall score at 3.5",
      },
    ]);
    expect(config.tiers.map((t) => [t.key, t.min_overall])).toEqual([
      ["high", 7],
      ["mid", 4],
      ["low", 0],
    ]);
    const values = config.categories[0]!.values;
    expect(values.map((v) => [v.key, v.cap_overall_at])).toEqual([
      ["press_release", 4],
      ["opinion", 5],
      ["other", undefined],
    ]);
    expect(values[0]!.description).toContain("Not when: independent measurements.");
    expect(prompt).toBe('Score the article.\n\nReturn {"a": 1}\n');
    const noted = warnings.map((w) => `${w.path}: ${w.message}`).join("\n");
    expect(noted).toContain("`max_evidence` caps something other than the overall score");
    expect(noted).toContain("condition 'evidence < 5'");
    expect(noted).toContain("languages");
    expect(noted).toContain("prefilter is Python code");
  });

  it("reads gatekeepers given as a list and as gatekeeper_rules, and keeps identical ones once", () => {
    const config = `
filter: { name: a, version: 2 }
scoring:
  dimensions:
    depth: { weight: 0.6, description: d, gatekeeper: true, gatekeeper_threshold: 3, gatekeeper_max_score: 3 }
    proof: { weight: 0.4, description: p }
  gatekeepers:
    - { dimension: depth, min_threshold: 3, caps_overall_at: 3, reason: "same as inline" }
    - { dimension: proof, min_threshold: 2, caps_overall_at: 4, reason: "needs proof" }
  gatekeeper_rules:
    proof: { threshold: 5, max_overall_if_below: 4.9, reasoning: "needs more proof" }
  tiers: { top: { threshold: 5 }, rest: { threshold: 0 } }
`;
    const { config: filter } = convert(config);
    expect(filter.gatekeepers.map((g) => [g.dimension, g.min, g.cap_overall_at, g.reason])).toEqual([
      ["depth", 3, 3, "depth below 3 caps the overall score at 3"],
      ["proof", 2, 4, "needs proof"],
      ["proof", 5, 4.9, "needs more proof"],
    ]);
    expect(filter.version).toBe(2);
    expect(filter.categories).toEqual([]);
  });

  it("orders tier_thresholds highest first and starts the lowest at 0, saying so", () => {
    const config = `
filter: { name: t, version: "3.1" }
scoring:
  dimensions: { x: { weight: 1, description: x } }
  tier_thresholds:
    RED: { threshold: 8, description: "Act" }
    Yellow: { threshold: 2.5 }
    BLUE: { condition: "educational" }
`;
    const { config: filter, warnings } = convert(config);
    expect(filter.tiers.map((t) => [t.key, t.min_overall, t.description])).toEqual([
      ["red", 8, "Act"],
      ["yellow", 0, "Yellow"],
    ]);
    expect(filter.version).toBe(3);
    const noted = warnings.map((w) => w.message).join("\n");
    expect(noted).toContain("no numeric threshold (condition: educational)");
    expect(noted).toContain("lowest tier started at 2.5; set to 0");
    expect(noted).toContain("version '3.1' became 3");
  });

  it("normalises weights that sum to 1 only up to rounding and refuses weights further off", () => {
    const rounded = convert(`
filter: { name: w }
scoring:
  dimensions: { a: { weight: 0.33, description: a }, b: { weight: 0.33, description: b }, c: { weight: 0.33, description: c } }
  tiers: { all: { threshold: 0 } }
`);
    const sum = rounded.config.dimensions.reduce((total, d) => total + d.weight, 0);
    expect(Math.abs(sum - 1)).toBeLessThan(1e-9);
    expect(rounded.warnings.map((w) => w.message)).toContain(
      "weights summed to 0.99; normalised to sum to 1",
    );

    expect(() =>
      convert(`
filter: { name: w }
scoring:
  dimensions: { a: { weight: 0.5, description: a }, b: { weight: 0.4, description: b } }
  tiers: { all: { threshold: 0 } }
`),
    ).toThrow(
      expect.objectContaining({ code: "import.weights_sum", message: expect.stringContaining("sum to 0.9") }),
    );
  });

  it("leaves out a dimension with weight 0 (and its gatekeeper) with a warning", () => {
    const { config, warnings } = convert(`
filter: { name: z }
scoring:
  dimensions:
    a: { weight: 1.0, description: a }
    side: { weight: 0.0, description: s, gatekeeper: true, gatekeeper_threshold: 5, gatekeeper_max_score: 2 }
  tiers: { all: { threshold: 0 } }
`);
    expect(config.dimensions.map((d) => d.key)).toEqual(["a"]);
    expect(config.gatekeepers).toEqual([]);
    expect(warnings.map((w) => w.message).join("\n")).toContain("weight 0");
  });

  it("takes name, version and languages from the options", () => {
    const { config, warnings } = convert(INLINE_GATEKEEPER_CONFIG, {
      name: "rivers",
      version: 7,
      languages: ["en", "nl"],
    });
    expect(config).toMatchObject({ name: "rivers", version: 7, languages: ["en", "nl"] });
    expect(warnings.some((w) => w.message.includes("languages"))).toBe(false);
  });

  it("refuses a config that is not a filter", () => {
    expect(() => convert("model: x\ntraining: {epochs: 3}\n")).toThrow(
      expect.objectContaining({ code: "import.not_a_filter" }),
    );
  });

  it("writes filter.yaml that our package loader accepts, with the warnings as comments", () => {
    const converted = convert(INLINE_GATEKEEPER_CONFIG);
    const yaml = importedFilterYaml(converted, "river-health/config.yaml");
    expect(yaml).toMatch(/^# Imported from the LLM Distillery filter river-health\/config.yaml/);
    expect(yaml).toContain("#   - scoring.content_type_caps.opinion:");
    const pkg = parseFilterPackage({ filterYaml: yaml, promptMd: converted.prompt });
    expect(pkg.dimensions).toEqual(converted.config.dimensions);
    expect(pkg.prompt).toBe(converted.prompt);
  });
});
