/**
 * The eval report through the real package: a real `wrangler dev`, a real `distillery-node` running the
 * real `distillery_gpu` (not the stub) in the project's venv, training the `lexical` student (TF-IDF +
 * ridge + category heads: seconds on a CPU, no encoder) and evaluating it, then
 * `GET /v1/jobs/{id}/report`. Every field of the report is there and consistent with the others, or
 * says why it is not: what the node-flow tests (on the stub) cannot show, since the stub only writes
 * the contract's shapes.
 */
import { evalReportSchema, exampleFilter, type Job, jobResultSchemas } from "@distillery/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AgentProcess,
  datasetFiles,
  type Edge,
  jobFinished,
  killGroup,
  prepareEdge,
  sqlString,
  startAgent,
  startEdge,
} from "./node-harness";

const PORT = 8815;
const filter = exampleFilter();
const WORDS = [
  "solar",
  "wind",
  "battery",
  "heat pump",
  "grid",
  "pilot",
  "factory",
  "megawatt",
  "lab",
  "prototype",
];

let edge: Edge;
let agent: AgentProcess | undefined;

/**
 * An article whose words carry its scores (so a lexical student learns something) and whose wording
 * says when it is a press release (so its category head does too).
 */
function article(i: number, split: string) {
  const k = (i * 7 + split.length) % 10;
  const pressRelease = i % 4 === 0;
  return {
    scores: { deployment: k, impact: (k + 3) % 10, evidence: (k * 3) % 10 },
    categories: { content_type: pressRelease ? "press_release" : "news" },
    title: `${WORDS[k]} update ${i}`,
    body: `${WORDS[k]} and ${WORDS[(k + 1) % 10]}: ${pressRelease ? "the company proudly announces" : "the reporter found"} ${"details ".repeat(12)}`,
    language: i % 3 ? "en" : "nl",
    source: "test",
  };
}

beforeAll(async () => {
  const prepared = await prepareEdge({
    seedSql: [
      `INSERT INTO filters (name, version, package, prompt_hash, description, created_by) VALUES (${sqlString(filter.name)}, 1, ${sqlString(filter)}, 'h', 'test', 'test');`,
      `INSERT INTO datasets (id, filter, filter_version, seed, report, content_hash) VALUES ('ds_test', ${sqlString(filter.name)}, 1, 42, '{}', 'dshash');`,
    ],
    r2: datasetFiles(filter, { train: 80, validation: 20, test: 24 }, article),
  });
  // The agent first runs the package's doctor (imports torch: the slow part of its start) and then
  // retries until the edge answers, so it starts while wrangler does.
  agent = startAgent({ url: `http://127.0.0.1:${PORT}` }, { token: prepared.nodeToken, python: "package" });
  edge = await startEdge(prepared, { port: PORT, leaseMs: 10_000 });
}, 120_000);

afterAll(async () => {
  await Promise.all([agent && killGroup(agent.child), edge?.stop()]);
}, 30_000);

async function finished(id: string): Promise<Job> {
  return jobFinished(edge, id, 150_000).catch((error: Error) => {
    throw new Error(`${error.message}; the agent said:\n${agent?.output().slice(-4000)}`);
  });
}

async function create(spec: unknown): Promise<string> {
  const response = await edge.api("/v1/jobs", { json: spec });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

/** The value at a report path such as `baselines.lexical` or `categories.content_type`. */
function at(report: Record<string, unknown>, path: string): unknown {
  return path
    .split(".")
    .reduce<unknown>((value, key) => (value as Record<string, unknown> | null)?.[key], report);
}

describe("the eval report of a student trained by the real package", () => {
  it("is complete and consistent: model named, baselines, curve, validation, calibration, categories, cascade", async () => {
    const trainId = await create({ kind: "train", dataset_id: "ds_test", student: { kind: "lexical" } });
    const trainJob = await finished(trainId);
    expect(trainJob.error, agent?.output()).toBeNull();
    const trained = jobResultSchemas.train.parse(trainJob.result);
    expect(trained).toMatchObject({ kind: "lexical", backend: expect.any(String) });
    expect(trained.base_model).not.toBe("unknown");

    const evalId = await create({ kind: "eval", model_id: trained.model_id });
    const evalJob = await finished(evalId);
    expect(evalJob.error, agent?.output()).toBeNull();
    const evaluated = jobResultSchemas.eval.parse(evalJob.result);

    const response = await edge.api(`/v1/jobs/${evalId}/report`);
    expect(response.status).toBe(200);
    const report = evalReportSchema.parse(await response.json());
    expect(report.n_test).toBe(24);
    expect(report.metrics).toEqual(evaluated.metrics);
    expect(report.model).toEqual({
      id: trained.model_id,
      kind: "lexical",
      base_model: trained.base_model,
      backend: trained.backend,
    });

    // Baselines: both fitted on the same train split, scored on the same test split.
    expect(report.baselines.lexical?.n).toBe(24);
    expect(report.baselines.constant.n).toBe(24);
    // Training: the curve and the out-of-fold validation are the train job's own.
    expect(report.training_curve).toEqual(trained.training_curve);
    expect(report.training_curve?.points.length).toBeGreaterThan(0);
    expect(report.validation).toEqual(trained.validation);
    expect(report.calibration !== null || typeof report.missing.calibration === "string").toBe(true);
    // The student's own categories against the oracle's.
    expect(report.categories.content_type?.n).toBe(24);

    // The cascade starts with nothing sent to the oracle, at the headline tier agreement, and never drops.
    expect(report.cascade.length).toBeGreaterThan(1);
    expect(report.cascade[0]).toMatchObject({ coverage: null, share_to_oracle: 0 });
    expect(report.cascade[0]!.tier_agreement).toBe(report.metrics.tier_agreement);
    for (const [previous, point] of report.cascade.slice(0, -1).map((p, i) => [p, report.cascade[i + 1]!])) {
      expect(point!.share_to_oracle).toBeGreaterThanOrEqual(previous!.share_to_oracle);
      expect(point!.tier_agreement).toBeGreaterThanOrEqual(previous!.tier_agreement);
      expect(point!.tier_agreement_lower).toBeLessThanOrEqual(point!.tier_agreement);
    }

    // A reason only for what is absent, never for a filled field.
    for (const field of Object.keys(report.missing)) {
      const value = at(report, field);
      const empty =
        value === null ||
        value === undefined ||
        (Array.isArray(value) && value.length === 0) ||
        (typeof value === "object" && Object.keys(value as object).length === 0);
      expect(empty, `missing names '${field}', which is filled`).toBe(true);
    }
    for (const filled of ["baselines.lexical", "training_curve", "validation", "cascade", "categories"])
      expect(report.missing[filled]).toBeUndefined();

    // The stored predictions carry the student's categories, and so does the export.
    const exported = await (await edge.api(`/v1/exports/predictions?job_id=${evalId}&format=ndjson`)).text();
    const lines = exported
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { categories: Record<string, string> | null });
    expect(lines).toHaveLength(24);
    for (const line of lines) expect(["news", "press_release"]).toContain(line.categories?.content_type);
  }, 400_000);
});
