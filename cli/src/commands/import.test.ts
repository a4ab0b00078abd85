import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type LabelRecord, labelRecordSchema } from "@distillery/shared";
import { loadFilterDir } from "@distillery/shared/node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { memoryIo } from "../io";
import { runCli } from "../program";

const fixtures = fileURLToPath(new URL("../import/fixtures/", import.meta.url));
const legacyFilter = join(fixtures, "legacy-rivers", "v1");
const labels = join(fixtures, "labels");
const calibration = join(labels, "calibrations", "rivers-gemini-pro", "rivers", "labeled_batch_001.jsonl");

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "distillery-import-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function cli(...args: string[]) {
  const io = memoryIo();
  const code = await runCli(["node", "distillery", ...args], io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

async function readLabels(file: string): Promise<LabelRecord[]> {
  const text = await readFile(file, "utf8");
  return text
    .trim()
    .split("\n")
    .map((line) => labelRecordSchema.parse(JSON.parse(line)));
}

describe("distillery import filter", () => {
  it("writes a valid package from a legacy folder and lists what it changed", async () => {
    const out = join(dir, "rivers", "v1");
    const result = await cli("import", "filter", legacyFilter, "--out", out, "--languages", "en,nl");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("filter 'rivers' v1, 3 dimensions, 1 gatekeepers, 3 tiers, 1 categories");
    expect(result.stdout).toContain(
      "removed the article placeholder lines from the prompt: ARTICLE: / Title: {title}",
    );
    expect(result.stderr).toContain("distillery: note: prefilter: the legacy prefilter is Python code");
    const filter = await loadFilterDir(out);
    expect(filter.languages).toEqual(["en", "nl"]);
    expect(filter.gatekeepers).toEqual([
      {
        dimension: "evidence",
        min: 4,
        cap_overall_at: 3,
        reason: "evidence below 4 caps the overall score at 3",
      },
    ]);
    expect(filter.prompt).not.toContain("{title}");
    expect(filter.prompt).toContain('Answer with JSON only: {"water_quality": <0-10>');
    expect(filter.prompt).not.toContain("SCORING FORMULA");

    const again = await cli("import", "filter", legacyFilter, "--out", out);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(
      `distillery: ${join(out, "filter.yaml")} exists; pass --force to replace it\n`,
    );
    expect((await cli("import", "filter", legacyFilter, "--out", out, "--force")).code).toBe(0);
  });

  it("fails with exit code 2 on a folder without config.yaml", async () => {
    const result = await cli("import", "filter", dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `distillery: ${dir}: no config.yaml (an LLM Distillery filter folder has one)\n`,
    );
  });
});

describe("distillery import labels", () => {
  it("imports every shape in a folder, reports bad lines with file:line and counts per model", async () => {
    const out = join(dir, "labels.ndjson");
    const result = await cli(
      "import",
      "labels",
      labels,
      "--filter",
      legacyFilter,
      "--rename",
      "water_quality_score=water_quality",
      "--out",
      out,
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`distillery: ${calibration}:3: not valid JSON`);
    expect(result.stderr).toContain(
      `distillery: ${calibration}:5: dimension 'water_quality': score 12 is not a number from 0 to 10`,
    );
    expect(result.stdout).toBe(
      [
        `imported 7 labels from 2 files into ${out}`,
        "by oracle model:",
        "  gemini-flash  4",
        "  gemini-pro    3",
        "skipped 2 records:",
        "  not valid JSON: 1",
        "  a score that is not a number from 0 to 10: 1",
        `left out 1 file holding no label records: ${join(labels, "calibrations", "rivers-gemini-pro", "rivers", "metrics.jsonl")}`,
        "",
      ].join("\n"),
    );
    const records = await readLabels(out);
    const pro = records.find((r) => r.article.id === "rss_r3" && r.label.model === "gemini-pro")!;
    expect(pro.label.scores).toEqual({
      water_quality: { score: 9, reason: "" },
      evidence: { score: 8, reason: "" },
      reach: { score: 7, reason: "" },
    });
    expect(pro.label.categories).toEqual({ content_type: "press_release" });
    expect(pro.label).toMatchObject({
      filter: "rivers",
      filter_version: 1,
      mode: "import",
      attempts: 0,
      cost_usd: 0,
    });
    expect(pro.label.prompt_hash).toMatch(/^import:[0-9a-f]{64}$/);
    const flash = records.find((r) => r.article.id === "rss_r1" && r.label.model === "gemini-flash")!;
    expect(flash.label.scores.water_quality).toEqual({ score: 7, reason: "water note rss_r1" });
    expect(flash.label.categories).toEqual({ content_type: "other" });
    expect(flash.article).toMatchObject({
      language: "nl",
      published_at: "2025-10-01T08:00:00Z",
      source: "example_rss",
    });
    expect(existsSync(`${out}.partial`)).toBe(false);
  });

  it("stops on a dimension the records lack, listing the ones they have, and writes nothing", async () => {
    const out = join(dir, "labels.ndjson");
    const scored = join(labels, "scored", "scored_batch_001.jsonl");
    const result = await cli("import", "labels", scored, "--filter", legacyFilter, "--out", out);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `distillery: ${scored}:1: dimension 'water_quality' of filter 'rivers' is not in the record; dimensions found: water_quality_score, evidence, reach; map one with --rename water_quality_score=water_quality\n`,
    );
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.partial`)).toBe(false);
  });

  it("re-imports its own NDJSON, keeps one label per article, model and prompt, and writes to stdout with --out -", async () => {
    const out = join(dir, "labels.ndjson");
    const args = ["--filter", legacyFilter, "--rename", "water_quality_score=water_quality"];
    expect((await cli("import", "labels", labels, ...args, "--out", out)).code).toBe(0);
    const first = await readLabels(out);
    const copy = join(dir, "copy.ndjson");
    await writeFile(copy, await readFile(out, "utf8"));
    const result = await cli("import", "labels", out, copy, ...args, "--out", "-");
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split("\n");
    expect(lines.map((line) => labelRecordSchema.parse(JSON.parse(line)))).toEqual(first);
    expect(result.stderr).toContain("imported 7 labels from 2 files into stdout");
    expect(result.stderr).toContain("duplicate (same article, model and prompt already imported): 7");
  });

  it("answers usage mistakes with exit code 2", async () => {
    const missing = await cli("import", "labels", labels);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("distillery: required option '--filter <filter>' not specified");
    const unknown = await cli("import", "labels", labels, "--filter", "no-such-filter");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(
      /^distillery: --filter no-such-filter: no such directory or built-in filter/,
    );
    const rename = await cli("import", "labels", labels, "--filter", legacyFilter, "--rename", "oops");
    expect(rename.code).toBe(2);
    expect(rename.stderr).toContain("--rename oops: expected <record-name>=<filter-dimension>");
    const target = await cli("import", "labels", labels, "--filter", legacyFilter, "--rename", "a=nope");
    expect(target.code).toBe(2);
    expect(target.stderr).toContain(
      "--rename to nope: not a dimension of 'rivers' (water_quality, evidence, reach)",
    );
  });
});
