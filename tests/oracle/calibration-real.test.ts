/**
 * Calibration on real oracle labels: Gemini Flash against Gemini Pro on the same articles of the
 * legacy `sustainability` filter, read at run time from the LLM Distillery files (DISTILLERY_DATA, default
 * ../shared/data beside the repository) through the legacy importer. Skipped when the files are absent.
 */
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  calibrate,
  convertLegacyFilterConfig,
  type LabelingPair,
  parseLegacyLabelRecord,
} from "@distillery/shared";
import { describe, expect, it } from "vitest";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const dataDir = resolve(process.env.DISTILLERY_DATA ?? join(repoRoot, "..", "shared", "data"));
const legacy = join(dataDir, "llm-distillery", "filters", "todo", "v1");
const present = existsSync(join(legacy, "config.yaml"));
if (!present) console.warn(`skipping real-data calibration: ${legacy} is absent (set DISTILLERY_DATA)`);

async function scores(
  folder: string,
  filter: Parameters<typeof parseLegacyLabelRecord>[1],
  rename: Record<string, string>,
) {
  const dir = join(legacy, "calibrations", folder, "sustainability");
  const out = new Map<string, Record<string, number>>();
  for (const file of (await readdir(dir)).filter((f) => f.startsWith("labeled_batch_"))) {
    for (const line of (await readFile(join(dir, file), "utf8")).split("\n")) {
      if (!line.trim()) continue;
      try {
        const record = parseLegacyLabelRecord(JSON.parse(line), filter, { rename });
        out.set(
          record.article.id,
          Object.fromEntries(Object.entries(record.label.scores).map(([k, v]) => [k, v.score])),
        );
      } catch {
        // A record the importer refuses (no analysis, missing dimension) is simply not compared.
      }
    }
  }
  return out;
}

describe.skipIf(!present)("calibration on real Flash and Pro labels", () => {
  it("pairs the articles both models scored and compares them per dimension and tier", async () => {
    const prompt = existsSync(join(legacy, "prompt-compressed.md"))
      ? await readFile(join(legacy, "prompt-compressed.md"), "utf8")
      : "prompt";
    const converted = convertLegacyFilterConfig(await readFile(join(legacy, "config.yaml"), "utf8"), prompt);
    const filter = converted.config;
    // The legacy config calls it `climate_impact`, its labels `climate_impact_potential` (what a user maps with --rename).
    const rename = { ...converted.renamedDimensions, climate_impact_potential: "climate_impact" };
    const flash = await scores("sustainability-gemini-flash", filter, rename);
    const pro = await scores("sustainability-gemini-pro", filter, rename);
    const pairs: LabelingPair[] = [];
    for (const [id, a] of flash) {
      const b = pro.get(id);
      if (b) pairs.push({ article_id: id, a, b });
    }
    expect(pairs.length).toBeGreaterThanOrEqual(30);
    const report = calibrate(filter, pairs);
    console.info(
      `Flash vs Pro on ${report.articles} articles: dimension MAE ${report.dimension_mae}, overall MAE ${report.overall_mae}, tier agreement ${report.tier_agreement}`,
    );
    expect(Object.keys(report.per_dimension)).toEqual(filter.dimensions.map((d) => d.key));
    for (const dimension of Object.values(report.per_dimension)) {
      expect(dimension.mae).toBeGreaterThanOrEqual(0);
      expect(dimension.mae).toBeLessThan(5);
    }
    const correlations = Object.values(report.per_dimension).map((d) => d.spearman ?? 0);
    expect(correlations.reduce((a, b) => a + b, 0) / correlations.length).toBeGreaterThan(0.3);
    expect(Object.values(report.tiers.a).reduce((a, b) => a + b, 0)).toBe(report.articles);
  });
});
