/**
 * Imports every labelled file of the public LLM Distillery development set (read at run time from
 * `../shared/data/llm-distillery`, or `$DISTILLERY_DATA_DIR/llm-distillery`; never copied into the
 * repository) and converts every legacy `config.yaml` in it. The expected counts and scores were
 * checked by hand against the raw files with a separate script (records with an analysis object,
 * deduplicated by article id and model).
 */
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  convertLegacyFilterConfig,
  type FilterPackage,
  importedFilterYaml,
  isLabelRecordShape,
  type LabelRecord,
  parseFilterPackage,
} from "@distillery/shared";
import { describe, expect, it } from "vitest";
import { type ImportLabelsSummary, importLabels, listRecordFiles } from "./labels";
import { resolveFilterOption } from "./resolve-filter";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const dataDir = resolve(process.env.DISTILLERY_DATA_DIR ?? join(repoRoot, "..", "shared", "data"));
const legacyDir = join(dataDir, "llm-distillery");
const present = existsSync(legacyDir);
if (!present)
  console.log(`skipping the LLM Distillery import tests: ${legacyDir} is absent (set DISTILLERY_DATA_DIR)`);

type Case = {
  name: string;
  filter: string;
  paths: string[];
  rename?: Record<string, string>;
  byModel: Record<string, number>;
  duplicates: number;
};

const SUSTAINABILITY_RENAME = { climate_impact_potential: "climate_impact" };
const CASES: Case[] = [
  {
    name: "sustainability v1 (Flash and Pro calibration)",
    filter: "filters/todo/v1",
    paths: [
      "filters/todo/v1/calibrations/sustainability-gemini-flash",
      "filters/todo/v1/calibrations/sustainability-gemini-pro",
      "filters/todo/v1/calibrations/sustainability-claude",
    ],
    rename: SUSTAINABILITY_RENAME,
    byModel: { "gemini-flash": 200, "gemini-pro": 50 },
    duplicates: 0,
  },
  {
    name: "seece-energy-tech (same 8 dimensions, scored with the sustainability filter)",
    filter: "filters/todo/v1",
    paths: ["filters/todo/seece/v1/calibrations"],
    rename: SUSTAINABILITY_RENAME,
    byModel: { "gemini-flash": 550, "gemini-pro": 47 },
    duplicates: 0,
  },
  {
    name: "ai-engineering-practice ({score, evidence}, three prompt iterations)",
    filter: "filters/ai-engineering-practice/v1",
    paths: ["filters/ai-engineering-practice/v1/calibration"],
    byModel: { "gemini-flash": 347 },
    duplicates: 3,
  },
  {
    name: "uplifting v1 (Flash, Pro, Claude)",
    filter: "filters/uplifting/v1",
    paths: ["filters/uplifting/v1/calibrations", "archive/calibrations/uplifting_old_backup"],
    byModel: { "gemini-pro": 279, gemini: 276, claude: 100, "gemini-flash": 93 },
    duplicates: 93,
  },
  {
    name: "uplifting v4",
    filter: "filters/uplifting/v4",
    // Its sandbox runs sit beside other filters' runs, so they are named one by one.
    paths: [
      "filters/uplifting/v4/validation_scored",
      ...[1, 2, 3].map((n) => `sandbox/uplifting_v4_validation_${n}`),
    ],
    byModel: { "gemini-flash": 31 },
    duplicates: 1,
  },
  {
    name: "sustainability_tech_deployment v1 ({score, reasoning})",
    filter: "filters/sustainability_tech_deployment/v1",
    paths: ["reports/validation_sample_50.jsonl", "sandbox/calibration_cache/sustainability_tech_deployment"],
    byModel: { "gemini-flash": 50, "gemini-pro": 55, gemini: 55 },
    duplicates: 0,
  },
  {
    name: "sustainability_tech_deployment v2",
    filter: "filters/sustainability_tech_deployment/v2",
    paths: [1, 2, 3].map((n) => `sandbox/sustainability_tech_deployment_v2_validation_${n}`),
    byModel: { "gemini-flash": 6 },
    duplicates: 0,
  },
  {
    name: "sustainability_tech_innovation v2",
    filter: "filters/sustainability_tech_innovation/v2",
    paths: ["filters/sustainability_tech_innovation/v2"],
    byModel: { "gemini-flash": 42 },
    duplicates: 0,
  },
  {
    name: "ai_augmented_practice v1",
    filter: "filters/ai_augmented_practice/v1",
    paths: ["sandbox/calibration_cache/ai_augmented_practice"],
    byModel: { "gemini-pro": 17, gemini: 17 },
    duplicates: 0,
  },
  {
    name: "investment-risk v2 (dimensions of weight 0 left out)",
    filter: "filters/investment-risk/v2",
    paths: [
      "sandbox/investment_risk_v2_fresh_validation",
      "sandbox/investment_risk_v2_revalidation_2",
      "sandbox/investment_risk_v2_revalidation_3",
    ],
    byModel: { "gemini-flash": 90 },
    duplicates: 30,
  },
  {
    // The records say `analyzed_by: gemini-api-batch`: the provider, without the model version.
    name: "sustainability v1 student-quality set (2,727 Flash labels)",
    filter: "filters/todo/v1",
    paths: ["filters/todo/v1/calibrations/sustainability"],
    rename: SUSTAINABILITY_RENAME,
    byModel: { gemini: 2727 },
    duplicates: 0,
  },
];

async function run(
  testCase: Case,
): Promise<{ summary: ImportLabelsSummary; records: LabelRecord[]; filter: FilterPackage }> {
  const { filter } = await resolveFilterOption(join(legacyDir, testCase.filter));
  const lines: string[] = [];
  const summary = await importLabels({
    paths: testCase.paths.map((p) => join(legacyDir, p)),
    filter,
    rename: testCase.rename,
    out: "-",
    writeLine: (line) => lines.push(line),
    importedAt: "2026-01-01T00:00:00.000Z",
  });
  return { summary, records: lines.map((line) => JSON.parse(line) as LabelRecord), filter };
}

const find = (records: LabelRecord[], id: string, model: string) =>
  records.find((r) => r.article.id === id && r.label.model === model);

describe.skipIf(!present)("import of the LLM Distillery development set", () => {
  const labelled = new Set<string>();

  it.each(CASES)("imports $name", async (testCase) => {
    const { summary } = await run(testCase);
    expect(summary.byModel).toEqual(testCase.byModel);
    expect(summary.skipped).toEqual(testCase.duplicates > 0 ? { duplicate: testCase.duplicates } : {});
    for (const file of summary.labelFiles) labelled.add(file);
  });

  it("covered every labelled file in the folder", async () => {
    const all = await listRecordFiles([legacyDir]);
    const withLabels: string[] = [];
    for (const file of all) {
      const first = (await readFile(file, "utf8")).split("\n", 1)[0]!;
      if (isLabelRecordShape(JSON.parse(first))) withLabels.push(file);
    }
    expect(withLabels.length).toBe(235);
    expect(withLabels.filter((file) => !labelled.has(file))).toEqual([]);
  });

  it("keeps the scores, reasons and categories of records checked by hand", async () => {
    const sustainability = (await run(CASES[0]!)).records;
    const pro = find(sustainability, "newsapi_general_d26859ee7f1f", "gemini-pro")!;
    expect(pro.label.scores.climate_impact!.score).toBe(6);
    expect(pro.label.scores.technical_credibility!.score).toBe(7);
    expect(pro.label.categories).toEqual({ content_type: "vaporware" });
    expect(pro.label.created_at).toMatch(/Z$/);

    const seece = (await run(CASES[1]!)).records;
    const fractional = find(seece, "newsapi_general_660737e8619c", "gemini-pro")!;
    expect(fractional.label.scores.climate_impact!.score).toBe(2.5);
    expect(fractional.label.scores.evidence_strength!.score).toBe(1);

    const deployment = (await run(CASES[5]!)).records;
    const reasoned = find(deployment, "positive_news_positive_news_uk_34a916b7b75c", "gemini-flash")!;
    expect(reasoned.label.scores.deployment_maturity!.score).toBe(5);
    expect(reasoned.label.scores.deployment_maturity!.reason).toMatch(/^The article mentions 'free solar'/);
    expect(reasoned.label.scores.proof_of_impact!.score).toBe(3);

    const uplifting = (await run(CASES[3]!)).records;
    const claude = find(uplifting, "newsapi_general_00b378999167", "claude")!;
    expect(claude.label.scores.collective_benefit!.score).toBe(7);
    expect(claude.label.scores.wonder!.score).toBe(8);
    expect(claude.article).toMatchObject({ language: "en", published_at: "2025-10-19T17:25:28Z" });
  });

  it("stops the legacy sustainability labels without --rename, naming the dimension to map", async () => {
    await expect(run({ ...CASES[0]!, rename: {} })).rejects.toThrow(
      /dimension 'climate_impact' of filter 'sustainability' is not in the record; dimensions found: climate_impact_potential, .*--rename climate_impact_potential=climate_impact/,
    );
  });

  it("converts every legacy filter config.yaml into a valid package", async () => {
    const configs = (await readdir(legacyDir, { recursive: true }))
      .map(String)
      .filter((p) => p.endsWith("config.yaml"))
      .sort();
    const converted: string[] = [];
    for (const config of configs) {
      const dir = join(legacyDir, config, "..");
      const names = await readdir(dir);
      const prompt = names.includes("prompt-compressed.md") ? "prompt-compressed.md" : "prompt.md";
      const configText = await readFile(join(dir, "config.yaml"), "utf8");
      const promptText = await readFile(join(dir, prompt), "utf8");
      if (config.includes("commerce_prefilter")) {
        // A classifier's training settings, not a scoring filter: refused with a clear error.
        expect(() => convertLegacyFilterConfig(configText, promptText)).toThrow(/no `scoring.dimensions`/);
        continue;
      }
      const result = convertLegacyFilterConfig(configText, promptText);
      const pkg = parseFilterPackage({
        filterYaml: importedFilterYaml(result, config),
        promptMd: result.prompt,
      });
      expect(pkg.prompt).not.toMatch(/\{(title|text)\}/);
      converted.push(`${pkg.name}@${pkg.version}:${pkg.dimensions.length}`);
    }
    expect(converted).toEqual([
      "ai-engineering-practice@1:5",
      "ai_augmented_practice@1:8",
      "investment-risk@2:6",
      "sustainability_tech_deployment@1:8",
      "sustainability_tech_deployment@2:8",
      "sustainability_tech_innovation@2:8",
      "sustainability@1:8",
      "uplifting@1:8",
      "uplifting@4:8",
    ]);
  });
});
