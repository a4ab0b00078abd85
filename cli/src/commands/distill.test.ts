import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  computeMetrics,
  type DatasetRow,
  distillReportSchema,
  predictionSchema,
  tierFor,
} from "@distillery/shared";
import { loadFilterDir } from "@distillery/shared/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryIo } from "../io";
import { runCli } from "../program";

const FIXTURES = join(import.meta.dirname, "fixtures", "distill");
const LABELS = join(FIXTURES, "scored.jsonl");
const FILTER = join(FIXTURES, "filter");

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "distill-"));
  // The packaged encoder loads with no network; the cache keeps reruns cheap and out of $HOME.
  process.env.DISTILLERY_PROBE_ENCODER = "packaged:all-MiniLM-L6-v2";
  process.env.DISTILLERY_EMBEDDING_CACHE = join(work, "embeddings.sqlite");
  process.env.HF_HUB_OFFLINE = "1";
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function distill(...args: string[]) {
  const io = memoryIo();
  const code = await runCli(["node", "distillery", "distill", ...args], io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

const readJsonl = async <T>(path: string): Promise<T[]> =>
  (await readFile(path, "utf8"))
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);

describe("distillery distill", () => {
  it("distils a probe from LLM Distillery records and reports metrics that match the shared module", async () => {
    const out = join(work, "probe");
    const run = await distill("--labels", LABELS, "--filter", FILTER, "--student", "probe", "--out", out);
    expect(run.stderr).toContain("imported 240 labels");
    expect(run.code, run.stderr).toBe(0);

    const report = distillReportSchema.parse(JSON.parse(await readFile(join(out, "report.json"), "utf8")));
    const filter = await loadFilterDir(FILTER);
    const test = await readJsonl<DatasetRow>(join(out, "data", "test.jsonl"));
    const predictions = (await readJsonl<unknown>(join(out, "jobs", "eval", "out", "predictions.jsonl"))).map(
      (p) => predictionSchema.parse(p),
    );
    const byId = new Map(predictions.map((p) => [p.article_id, p]));
    // The student is scored with its own categories, never the oracle's.
    const expected = computeMetrics(
      filter,
      test.map((row) => ({
        oracle: row.scores,
        oracleCategories: row.categories,
        student: byId.get(row.article_id)!.scores,
        studentCategories: byId.get(row.article_id)!.categories,
      })),
    );
    expect(report.n_test).toBe(test.length);
    expect(report.metrics).toEqual(expected);
    expect(report.model.kind).toBe("probe");
    expect(report.model.base_model).toBe("packaged:all-MiniLM-L6-v2");
    // The probe learnt the fixture: clearly better than predicting the train medians.
    expect(report.metrics.dimension_mae).toBeLessThan(0.6 * report.baselines.constant.dimension_mae);
    expect(report.baselines.lexical).not.toBeNull();
    expect(report.validation?.n).toBeGreaterThan(0);
    expect(report.training_curve).not.toBeNull();
    expect(Object.keys(report.calibration ?? {})).toEqual(["maturity", "evidence", "impact"]);
    // The cascade starts at the headline and never drops.
    expect(report.cascade[0]).toMatchObject({ coverage: null, share_to_oracle: 0 });
    expect(report.cascade[0]!.tier_agreement).toBe(report.metrics.tier_agreement);
    const agreement = report.cascade.map((p) => p.tier_agreement);
    expect(agreement).toEqual([...agreement].sort((a, b) => a - b));
    for (const point of report.cascade.slice(1)) expect(point.coverage_reached).not.toBeNull();
    expect(report.cascade_goal.usd_per_oracle_call).toBeGreaterThan(0);
    expect(report.tier_confusion.matrix.flat().reduce((a, b) => a + b, 0)).toBe(test.length);
    expect(test.every((row) => row.tier === tierFor(filter, row.overall))).toBe(true);
    // Whatever is absent says why.
    for (const field of ["training_curve", "validation", "calibration", "cascade"] as const)
      if (!report[field] || (Array.isArray(report[field]) && report[field].length === 0))
        expect(report.missing[field]).toBeDefined();

    const html = await readFile(join(out, "report.html"), "utf8");
    expect(html).toContain("<svg");
    expect(html).toContain("Cascade");
    expect(html).toContain("95% lower bound");
    expect(html).toContain("packaged:all-MiniLM-L6-v2");
    expect(run.stdout).toContain("report.json");
  }, 600_000);

  it("names the dimensions it found when a record lacks one of the filter's", async () => {
    const file = join(work, "renamed.jsonl");
    const text = (await readFile(LABELS, "utf8")).replaceAll('"impact":', '"reach":');
    await writeFile(file, text);
    const run = await distill("--labels", file, "--filter", FILTER, "--out", join(work, "renamed"));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /dimension 'impact'.*dimensions found: maturity, evidence, reach.*--rename reach=impact/,
    );
  });

  it("refuses a --rename to a dimension the filter does not have, listing the ones it has", async () => {
    const run = await distill(
      "--labels",
      LABELS,
      "--filter",
      FILTER,
      "--rename",
      "reach=nope",
      "--out",
      join(work, "x"),
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("not a dimension of 'heat-storage' (maturity, evidence, impact)");
  });

  it("stops with the count per tier when there are too few records", async () => {
    const file = join(work, "few.jsonl");
    await writeFile(file, (await readFile(LABELS, "utf8")).split("\n").slice(0, 30).join("\n"));
    const run = await distill("--labels", file, "--filter", FILTER, "--out", join(work, "few"));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /too few records: the \w+ split has \d+ articles.*records per tier: high \d+, medium \d+, low \d+/,
    );
  });

  it("says which file is missing", async () => {
    const run = await distill(
      "--labels",
      join(work, "nowhere.jsonl"),
      "--filter",
      FILTER,
      "--out",
      join(work, "n"),
    );
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("nowhere.jsonl");
  });
});
