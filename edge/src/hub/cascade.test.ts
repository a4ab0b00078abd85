/**
 * Cascade scoring jobs inside workerd: predictions stored the way the hub stores a node's chunks, the job
 * finalized the way the hub finalizes it, and the doubtful articles labelled by the real oracle stage
 * (queue, D1, the SDK calling the Gemini stand-in started by the test project's global setup).
 */
import { env } from "cloudflare:test";
import { cascadeSummarySchema, exampleFilter, jobSchema, type Prediction } from "@distillery/shared";
import { describe, expect, it } from "vitest";
import { call, makeToken, storeArticle, storeFilter } from "../../test/helpers";
import { database, newId } from "../db/client";
import { oracleLabels, predictions } from "../db/schema";
import { transitionJob } from "../jobs/index";
import { holdForCascade, settleOpenCascades } from "./cascade";
import { storeChunk } from "./chunks";
import { finalizeJob } from "./finalize";

const filter = exampleFilter();

async function seed(count: number): Promise<{ ids: string[]; modelId: string }> {
  const _db = database(env.DB);
  await storeFilter(filter);
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    // A body of its own per article: the stand-in counts calls per article text.
    ids.push(
      await storeArticle(
        `Wind farm ${i}`,
        `Wind farm ${newId("w")} delivers ${i + 10} MW to the grid; the operator reports steady output.`,
      ),
    );
  }
  const modelId = newId("mdl");
  await env.DB.prepare(
    `INSERT INTO student_models (id, filter, filter_version, dataset_id, job_id, kind, base_model, backend, metrics)
     VALUES (?, ?, 1, 'ds_cascade', 'job_x', 'regression', 'probe', 'probe', '{}')`,
  )
    .bind(modelId, filter.name)
    .run();
  return { ids, modelId };
}

/** A prediction with every dimension at `overall` (so that is its overall score) and an optional interval. */
function prediction(id: string, overall: number, interval?: [number, number]): Prediction {
  return {
    article_id: id,
    scores: { deployment: overall, impact: overall, evidence: overall },
    ...(interval ? { overall_interval: interval } : {}),
  };
}

/** Creates the scoring job through the API, stores its predictions and finalizes it as the hub does. */
async function scoringJob(
  token: string,
  modelId: string,
  rows: Prediction[],
  cascade: { coverage: number; budget_usd: number },
) {
  const ids = rows.map((r) => r.article_id);
  const created = await call("/v1/jobs", {
    token,
    json: { kind: "infer", model_id: modelId, selection: { type: "ids", ids }, cascade },
  });
  expect(created.status).toBe(201);
  const job = jobSchema.parse(await created.json());
  await transitionJob(env, job.id, "running", { progress: { done: rows.length, total: rows.length } });
  await storeChunk(env, { jobId: job.id, modelId, filter }, { shard: 0, chunk_index: 0, predictions: rows });
  const nodeResult = {
    kind: "probe",
    predictions: rows.length,
    chunks: 1,
    coverage: cascade.coverage,
    articles_per_s: 100,
  };
  const result = await finalizeJob(env, job, [nodeResult]);
  const progress = { done: rows.length, total: rows.length };
  if (!(await holdForCascade(env, job.id, result, progress))) {
    await transitionJob(env, job.id, "succeeded", { result, progress });
  }
  return job.id;
}

async function getJob(token: string, id: string) {
  return jobSchema.parse(await (await call(`/v1/jobs/${id}`, { token })).json());
}

/** Waits (bounded) until the job reaches one of `states`. */
async function until(token: string, id: string, states: string[]) {
  for (let i = 0; i < 150; i++) {
    const job = await getJob(token, id);
    if (states.includes(job.state)) return job;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`job ${id} never reached ${states.join("/")}`);
}

async function storedPredictions(jobId: string) {
  const rows = await database(env.DB).select().from(predictions).all();
  return new Map(rows.filter((r) => r.job_id === jobId).map((r) => [r.article_id, r]));
}

describe("cascade scoring jobs", () => {
  it("sends exactly the doubtful predictions to the oracle and takes its answers for them", async () => {
    const bot = await makeToken("bot");
    const { ids, modelId } = await seed(6);
    // Overall 6.8 with ±0.8 crosses the high tier's 7; overall 2 with ±1 stays low; 5.5 ± 1 stays medium.
    const doubtful = ids.slice(0, 3);
    const rows = [
      ...doubtful.map((id) => prediction(id, 6.8, [6, 7.6])),
      prediction(ids[3]!, 2, [1, 3]),
      prediction(ids[4]!, 5.5, [4.5, 6.5]),
      prediction(ids[5]!, 2, [1, 3]),
    ];
    const jobId = await scoringJob(bot, modelId, rows, { coverage: 0.9, budget_usd: 5 });
    const waiting = await getJob(bot, jobId);
    const oracleJobId = cascadeSummarySchema.parse(waiting.result?.cascade).oracle_job_id!;
    expect(oracleJobId).toMatch(/^job_/);
    const oracleJob = await getJob(bot, oracleJobId);
    expect(oracleJob.created_by).toBe(jobId);
    expect(oracleJob.spec).toMatchObject({
      kind: "oracle",
      filter: filter.name,
      filter_version: filter.version,
      budget_usd: 5,
    });
    expect((oracleJob.spec as { selection: { ids: string[] } }).selection.ids.sort()).toEqual(
      [...doubtful].sort(),
    );

    const done = await until(bot, jobId, ["succeeded", "failed"]);
    expect(done.state).toBe("succeeded");
    expect(done.result?.cascade).toMatchObject({
      coverage: 0.9,
      state: "done",
      doubtful: 3,
      without_interval: 0,
      oracle_job_id: oracleJobId,
      replaced: 3,
      not_replaced: {},
    });
    const stored = await storedPredictions(jobId);
    const labels = (await database(env.DB).select().from(oracleLabels).all()).filter((l) =>
      doubtful.includes(l.article_id),
    );
    expect(labels).toHaveLength(3);
    for (const label of labels) {
      const p = stored.get(label.article_id)!;
      const answer = label.scores as Record<string, { score: number }>;
      expect(p.source).toBe("oracle");
      expect(p.scores).toEqual(Object.fromEntries(Object.entries(answer).map(([k, v]) => [k, v.score])));
      expect(p).toMatchObject({ overall: label.overall, tier: label.tier, categories: label.categories });
    }
    for (const id of ids.slice(3)) expect(stored.get(id)?.source).toBe("student");
    // The final tier counts are those of the stored predictions, oracle answers included.
    const counts: Record<string, number> = { high: 0, medium: 0, low: 0 };
    for (const p of stored.values()) counts[p.tier!] = (counts[p.tier!] ?? 0) + 1;
    expect(done.result?.tier_counts).toEqual(counts);

    const exported = await call(`/v1/exports/predictions?job_id=${jobId}&format=ndjson`, { token: bot });
    expect(exported.status).toBe(200);
    const lines = (await exported.text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { article_id: string; source: string });
    expect(
      lines
        .filter((l) => l.source === "oracle")
        .map((l) => l.article_id)
        .sort(),
    ).toEqual([...doubtful].sort());

    // A worker that restarted before settling: the minute task finishes the cascade, once.
    await env.DB.batch([
      env.DB.prepare("UPDATE jobs SET state = 'running', finished_at = NULL, result = ?2 WHERE id = ?1").bind(
        jobId,
        JSON.stringify({ ...waiting.result }),
      ),
      env.DB.prepare("UPDATE cascades SET finished_at = NULL WHERE infer_job_id = ?1").bind(jobId),
    ]);
    expect(await settleOpenCascades(env)).toContain(jobId);
    expect(await settleOpenCascades(env)).not.toContain(jobId);
    expect((await getJob(bot, jobId)).result?.cascade).toMatchObject({ state: "done", replaced: 3 });
  }, 20_000);

  it("keeps the student's answer for what the oracle's budget did not cover, and says so", async () => {
    const bot = await makeToken("bot");
    const { ids, modelId } = await seed(4);
    const rows = ids.map((id) => prediction(id, 3.8, [3, 4.6]));
    const jobId = await scoringJob(bot, modelId, rows, { coverage: 0.8, budget_usd: 0.0000001 });
    const done = await until(bot, jobId, ["succeeded", "failed"]);
    expect(done.state).toBe("succeeded");
    const cascade = cascadeSummarySchema.parse(done.result?.cascade);
    expect(cascade.doubtful).toBe(4);
    expect(cascade.replaced).toBeLessThan(4);
    expect(cascade.not_replaced.budget_cap).toBeGreaterThan(0);
    expect(cascade.replaced + Object.values(cascade.not_replaced).reduce((a, b) => a + b, 0)).toBe(4);
    expect(cascade.note).toMatch(/budget_cap/);
    const stored = [...(await storedPredictions(jobId)).values()];
    expect(stored.filter((p) => p.source === "oracle")).toHaveLength(cascade.replaced);
    const tiers = done.result?.tier_counts as Record<string, number>;
    expect(Object.values(tiers).reduce((a, b) => a + b, 0)).toBe(4);
  });

  it("cancels the oracle job when the scoring job waiting on it is cancelled", async () => {
    const bot = await makeToken("bot");
    const { ids, modelId } = await seed(2);
    // A Batch Mode oracle job stays running until the cron polls: a cascade whose oracle job is still out.
    const oracle = await call("/v1/jobs", {
      token: bot,
      json: {
        kind: "oracle",
        filter: filter.name,
        selection: { type: "ids", ids },
        budget_usd: 5,
        mode: "batch",
      },
    });
    const oracleJobId = jobSchema.parse(await oracle.json()).id;
    expect((await until(bot, oracleJobId, ["running"])).state).toBe("running");
    const jobId = await scoringJob(
      bot,
      modelId,
      ids.map((id) => prediction(id, 5)),
      { coverage: 0.9, budget_usd: 5 },
    );
    const waiting = {
      coverage: 0.9,
      state: "waiting",
      doubtful: 2,
      without_interval: 0,
      oracle_job_id: oracleJobId,
      replaced: 0,
      not_replaced: {},
    };
    await env.DB.batch([
      env.DB.prepare("UPDATE jobs SET state = 'running', finished_at = NULL, result = ?2 WHERE id = ?1").bind(
        jobId,
        JSON.stringify({ tier_counts: {}, cascade: waiting }),
      ),
      env.DB.prepare(
        "INSERT INTO cascades (infer_job_id, oracle_job_id, coverage, doubtful) VALUES (?1, ?2, 0.9, 2)",
      ).bind(jobId, oracleJobId),
    ]);
    const cancelled = await call(`/v1/jobs/${jobId}/cancel`, { token: bot, method: "POST" });
    expect(cancelled.status).toBe(200);
    expect((await getJob(bot, oracleJobId)).state).toBe("cancelled");
    expect(await settleOpenCascades(env)).not.toContain(jobId);
  });

  it("sends nothing when no prediction carries an interval, and the job succeeds at once", async () => {
    const bot = await makeToken("bot");
    const { ids, modelId } = await seed(3);
    const jobId = await scoringJob(
      bot,
      modelId,
      ids.map((id) => prediction(id, 6.9)),
      { coverage: 0.9, budget_usd: 5 },
    );
    const done = await getJob(bot, jobId);
    expect(done.state).toBe("succeeded");
    expect(done.result?.cascade).toMatchObject({
      state: "done",
      doubtful: 0,
      without_interval: 3,
      oracle_job_id: null,
      replaced: 0,
    });
    expect(cascadeSummarySchema.parse(done.result?.cascade).note).toMatch(/no prediction carries/);
    expect(done.result?.tier_counts).toEqual({ high: 0, medium: 3, low: 0 });
    const spawned = await env.DB.prepare("SELECT count(*) AS n FROM jobs WHERE created_by = ?1")
      .bind(jobId)
      .first<{ n: number }>();
    expect(spawned?.n).toBe(0);
  });
});
