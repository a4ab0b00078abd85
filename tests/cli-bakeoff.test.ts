/**
 * `distillery bakeoff` end to end: the real bin in a subprocess (as a user runs it) against a real
 * local edge (`wrangler dev`) whose two Gemini oracles are the Gemini stand-in, configured so that
 * Flash-Lite grades one point higher and answers noisily. What the user reads: the job's progress on
 * stderr, then the tables and a closing line that calls Flash-Lite's extra point bias and its
 * wobble noise; `--json` gives the report itself; `--no-wait` only the job id.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import {
  bakeoffEstimateSchema,
  bakeoffReportSchema,
  EXAMPLE_FILTER_YAML,
  EXAMPLE_PROMPT,
  jobSchema,
} from "@distillery/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Edge, jobFinished, prepareEdge, repoRoot, startEdge } from "./node-harness";
import { type GeminiStandin, startGeminiStandin } from "./standins/gemini/server";

// Ports 8876 (+8877 for wrangler's inspector) and 8878: used by no other test.
const EDGE_PORT = 8876;
const GEMINI_PORT = 8878;
const BIN = join(repoRoot, "cli", "bin", "distillery.mjs");
const FLASH = "gemini:gemini-2.5-flash";
const LITE = "gemini:gemini-2.5-flash-lite";

let edge: Edge;
let gemini: GeminiStandin;

function distillery(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args, "--edge", edge.url, "--token", edge.adminToken],
      { cwd: repoRoot, timeout: 90_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** `distillery bakeoff FILTER --oracle Flash --oracle Flash-Lite ...flags`. */
function bakeoff(flags: string[], filter = "example-energy") {
  return distillery(["bakeoff", filter, "--oracle", FLASH, "--oracle", LITE, ...flags]);
}

/** Articles the example filter's prefilter lets through, from two sources. */
function corpus() {
  const topics = ["solar farm", "wind park", "battery storage", "heat pump"];
  return Array.from({ length: 24 }, (_, i) => ({
    url: `https://news.example/bakeoff/${i}`,
    title: `${topics[i % topics.length]} report ${i}`,
    body: `A long enough article about the ${topics[i % topics.length]} number ${i}, with figures and sources. `.repeat(
      3,
    ),
    language: "en",
    source: i % 2 ? "wire" : "daily",
  }));
}

beforeAll(async () => {
  gemini = await startGeminiStandin({
    port: GEMINI_PORT,
    minCacheTokens: 0,
    scoring: "lexical",
    bias: { "gemini-2.5-flash-lite": 1 },
    noise: { "gemini-2.5-flash-lite": 0.6 },
  });
  edge = await startEdge(await prepareEdge(), {
    port: EDGE_PORT,
    leaseMs: 30_000,
    vars: { GEMINI_BASE_URL: gemini.url, ORACLE_RPM: "6000", ORACLE_DAILY_BUDGET_USD: "20" },
  });
  const published = await edge.api("/v1/filters", {
    json: { filter_yaml: EXAMPLE_FILTER_YAML, prompt_md: EXAMPLE_PROMPT },
  });
  expect(published.status).toBe(201);
  expect((await edge.api("/v1/articles/batch", { json: { articles: corpus() } })).status).toBe(200);
}, 120_000);

afterAll(async () => {
  await edge?.stop();
  await gemini?.close();
});

describe("distillery bakeoff against a real edge", () => {
  it("follows the job and prints the tables, ending with bias told apart from noise", async () => {
    const run = await bakeoff(["--count", "12", "--repeat", "4", "--budget", "1"]);
    expect(run.stderr).not.toContain("distillery: cannot");
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/bakeoff: job job_\S+ \(2 oracles, up to \$1\)/);
    expect(run.stderr).toContain("distillery: bakeoff 100%");
    expect(run.stdout).toMatch(/^Bake-off of example-energy v1: 12 of 12 requested articles sampled/);
    expect(run.stdout).toMatch(/A {2}gemini:gemini-2\.5-flash {2,}/);
    expect(run.stdout).toContain(`A vs B (${FLASH} vs ${LITE}), 12 articles both answered`);
    expect(run.stdout).toContain("(B higher)");
    const closing = run.stdout.trimEnd().split("\n").at(-1) ?? "";
    const match =
      /^gemini:gemini-2\.5-flash-lite scores (\d\.\d\d) higher than gemini:gemini-2\.5-flash on average \(bias\); gemini:gemini-2\.5-flash repeats itself within 0\.00, gemini:gemini-2\.5-flash-lite within (\d\.\d\d) \(noise\)$/.exec(
        closing,
      );
    expect(match, closing).not.toBeNull();
    // The stand-in adds one point to Flash-Lite's every dimension (clamped at 10) and noise around it.
    expect(Number(match![1])).toBeGreaterThan(0.5);
    expect(Number(match![1])).toBeLessThan(1.5);
    expect(Number(match![2])).toBeGreaterThan(0);
  }, 120_000);

  it("prints the report JSON with --json, and only the job id with --no-wait", async () => {
    const json = await bakeoff(["--count", "6", "--repeat", "0", "--budget", "1", "--json"]);
    expect(json.code).toBe(0);
    const report = bakeoffReportSchema.parse(JSON.parse(json.stdout));
    expect(report.oracles.map((o) => o.name)).toEqual([FLASH, LITE]);
    expect(report.missing["oracles.0.self_consistency"]).toMatch(/repeat is 0/);

    const noWait = await bakeoff(["--count", "4", "--budget", "1", "--no-wait"]);
    expect(noWait.code).toBe(0);
    const id = noWait.stdout.trim();
    expect(id).toMatch(/^job_\S+$/);
    const job = jobSchema.parse(await (await edge.api(`/v1/jobs/${id}`)).json());
    expect(job.spec).toMatchObject({ kind: "bakeoff", sample: { count: 4 }, repeat: 4 });
    // The job goes on without the CLI; let it end so its calls are not counted by the next test.
    expect((await jobFinished(edge, id, 60_000)).state).toBe("succeeded");
  }, 120_000);

  it("with --dry-run prints each oracle's estimated cost and spends nothing", async () => {
    const calls = gemini.stats.summary().calls;
    const run = await bakeoff(["--count", "10", "--repeat", "3", "--budget", "0.0001", "--dry-run"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/bakeoff: job job_\S+ \(2 oracles, dry run\)/);
    expect(run.stdout).toMatch(
      /^Dry run of a bake-off on example-energy v1: nothing was sent, nothing spent\./,
    );
    expect(run.stdout).toContain(
      "Sample: 10 of 10 requested articles pass the prefilter; 3 asked of each oracle twice.",
    );
    // No label exists for these oracles yet: each would make 10 first asks and 3 repeats.
    expect(run.stdout).toMatch(/gemini:gemini-2\.5-flash +0 +0 +13 /);
    expect(run.stdout).toMatch(/gemini:gemini-2\.5-flash-lite +0 +0 +13 /);
    expect(run.stdout).toContain("over it, so the bake-off would stop at the cap");
    expect(gemini.stats.summary().calls).toBe(calls);

    const json = await bakeoff(["--count", "10", "--repeat", "3", "--budget", "1", "--dry-run", "--json"]);
    const estimate = bakeoffEstimateSchema.parse(JSON.parse(json.stdout));
    expect(estimate.oracles.map((o) => o.calls)).toEqual([13, 13]);
    expect(estimate.usd).toBeGreaterThan(0);
    expect(estimate.usd).toBeLessThan(1);
  }, 120_000);

  it("passes the edge's refusal of an unknown filter through, with exit code 1", async () => {
    const run = await bakeoff(["--budget", "1"], "no-such-filter");
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^distillery: .*no-such-filter/m);
  }, 60_000);
});
