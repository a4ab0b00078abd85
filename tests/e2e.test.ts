/**
 * The whole pipeline on one machine, as a user runs it: a real `wrangler dev` on a clean data folder,
 * the Gemini stand-in injecting 429s, 500s and malformed JSON, a real node agent running the real
 * Python package, and the `distillery demo` command driving every step over HTTP. The agent is killed
 * once mid-training and a new one started. Afterwards: every article is labelled, failed with a
 * reason or blocked by the prefilter (counts add up), no oracle call was paid twice, the eval report
 * has every metric, and every article of the corpus got a tier.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  evalReportSchema,
  jobSchema,
  labelRecordSchema,
  oracleJobResultSchema,
  pageSchema,
} from "@distillery/shared";
import { afterAll, describe, expect, it } from "vitest";
import { type Edge, killGroup, prepareEdge, repoRoot, startEdge } from "./node-harness";
import { type GeminiStandin, startGeminiStandin } from "./standins/gemini/index";

const ARTICLES = 300;
const FILTER = "sustainability-tech-deployment";

let gemini: GeminiStandin | undefined;
let edge: Edge | undefined;
const agents: ChildProcess[] = [];

afterAll(async () => {
  for (const agent of agents) await killGroup(agent, "SIGKILL");
  await edge?.stop();
  await gemini?.close();
});

/** A fresh embedding cache, so the probe really encodes (and trains long enough to be killed). */
const embeddingCache = join(mkdtempSync(join(tmpdir(), "distillery-e2e-cache-")), "embeddings.sqlite");

function startNodeAgent(url: string, token: string, workDir: string, python: string): ChildProcess {
  const child = spawn(
    process.execPath,
    [
      join(repoRoot, "gpu-node", "bin", "distillery-node.mjs"),
      "--edge",
      url,
      "--work-dir",
      workDir,
      "--python",
      python,
      "--max-backoff-ms",
      "1000",
    ],
    {
      detached: true,
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, DISTILLERY_NODE_TOKEN: token, DISTILLERY_EMBEDDING_CACHE: embeddingCache },
    },
  );
  agents.push(child);
  return child;
}

async function seedFilter(api: Edge["api"]) {
  const dir = join(repoRoot, "shared", "filters", FILTER, "v1");
  const response = await api("/v1/filters", {
    json: {
      filter_yaml: await readFile(join(dir, "filter.yaml"), "utf8"),
      prompt_md: await readFile(join(dir, "prompt.md"), "utf8"),
    },
  });
  expect(response.status).toBe(201);
}

describe("the whole pipeline", () => {
  it("ingests, labels through faults, trains through a node crash, evaluates and scores every article", async () => {
    gemini = await startGeminiStandin({
      port: 8871,
      scoring: "lexical",
      faultRate: 0.1,
      faultKinds: ["rate_limit", "server_error", "fence", "truncated", "trailing_text"],
      retryAfterS: 1,
      seed: 7,
    });
    edge = await startEdge(await prepareEdge(), {
      port: 8872,
      leaseMs: 4_000,
      vars: { GEMINI_BASE_URL: gemini.url, ORACLE_RPM: "3000" },
    });
    await seedFilter(edge.api);
    const python = execFileSync("bash", [join(repoRoot, "scripts", "py-env.sh"), "path"], {
      encoding: "utf8",
    })
      .trim()
      .split("\n")
      .at(-1)!;
    const workDir = mkdtempSync(join(tmpdir(), "distillery-e2e-node-"));
    startNodeAgent(edge.url, edge.nodeToken, workDir, python);

    const out = mkdtempSync(join(tmpdir(), "distillery-e2e-report-"));
    const demo = spawn(
      process.execPath,
      [
        join(repoRoot, "cli", "bin", "distillery.mjs"),
        "demo",
        "--edge",
        edge.url,
        "--token",
        edge.adminToken,
        "--articles",
        String(ARTICLES),
        "--sample",
        "100000",
        "--budget",
        "5",
        "--out",
        out,
        "--json",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    demo.stdout.on("data", (data) => (stdout += data));
    demo.stderr.on("data", (data) => (stderr += data));
    const demoExit = new Promise<number | null>((resolve) => demo.once("exit", resolve));

    // Kill the node once its Python training process is under way (progress reported, or running
    // for two seconds), then start another one on the same work dir.
    let killedTrainJob: string | undefined;
    let firstSeenRunning: number | undefined;
    while (!killedTrainJob && demo.exitCode === null) {
      const page = pageSchema(jobSchema).parse(
        await (await edge.api("/v1/jobs?kind=train&state=running")).json(),
      );
      const running = page.items[0];
      if (running) firstSeenRunning ??= Date.now();
      if (running && (running.progress.done > 0 || Date.now() - firstSeenRunning! > 2_000)) {
        await killGroup(agents[0]!, "SIGKILL");
        killedTrainJob = running.id;
        startNodeAgent(edge.url, edge.nodeToken, workDir, python);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const code = await demoExit;
    expect(code, `distillery demo failed:\n${stderr}`).toBe(0);
    expect(killedTrainJob, "the train job was never seen running").toBeDefined();
    const summary = JSON.parse(stdout);

    // The killed job was offered again and finished.
    const trainJob = jobSchema.parse(await (await edge.api(`/v1/jobs/${killedTrainJob}`)).json());
    expect(trainJob.state).toBe("succeeded");
    expect(trainJob.id).toBe(summary.train.job_id);

    // Every ingested article is accounted for by the oracle job.
    expect(summary.ingest.webhook.created + summary.ingest.bulk.created).toBe(ARTICLES);
    const oracle = oracleJobResultSchema.parse(summary.oracle.result);
    expect(oracle.estimate.selected).toBe(ARTICLES);
    expect(oracle.blocked_by_prefilter).toBeGreaterThan(0);
    expect(oracle.labelled + oracle.failed + oracle.blocked_by_prefilter).toBe(ARTICLES);
    expect(Object.values(oracle.failed_by_reason).reduce((a, b) => a + b, 0)).toBe(oracle.failed);
    expect(oracle.pending).toBe(0);

    // Faults were injected, and no article's answer was paid for twice.
    const stats = gemini.stats.summary();
    expect(Object.values(stats.faults).reduce((a, b) => a + (b ?? 0), 0)).toBeGreaterThan(0);
    expect(stats.double_calls).toBe(0);
    const labels = await (await edge.api(`/v1/exports/labels?filter=${FILTER}&format=ndjson`)).text();
    const labelIds = labels
      .split("\n")
      .filter(Boolean)
      .map((line) => labelRecordSchema.parse(JSON.parse(line)).label.article_id);
    expect(new Set(labelIds).size).toBe(labelIds.length);
    expect(labelIds.length).toBe(oracle.labelled);

    // The eval report exists with every metric of the quality bar.
    const report = evalReportSchema.parse(summary.eval.report);
    expect(report.n_test).toBeGreaterThan(0);
    for (const metric of ["accuracy", "tier_agreement", "overall_mae", "dimension_mae"] as const)
      expect(Number.isFinite(report.metrics[metric])).toBe(true);
    expect(Object.keys(report.metrics.per_dimension)).toHaveLength(8);
    expect(readdirSync(out)).toEqual(expect.arrayContaining(["report.html", "report.json"]));

    // Every article of the corpus got a tier.
    expect(summary.score.predictions).toBe(ARTICLES);
    const tiers = summary.score.tier_counts as Record<string, number>;
    expect(tiers.unscored ?? 0).toBe(0);
    expect(Object.values(tiers).reduce((a, b) => a + b, 0)).toBe(ARTICLES);
  }, 600_000);
});
