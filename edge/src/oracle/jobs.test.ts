/**
 * Oracle jobs end to end inside workerd: the real queue, D1, the limiter DO and the real SDK calling
 * the Gemini stand-in (started in Node by the test project's global setup) over HTTP.
 */
import { env } from "cloudflare:test";
import { exampleFilter, jobSchema, promptHash } from "@distillery/shared";
import { describe, expect, it } from "vitest";
import {
  call,
  createOracleJob,
  makeToken,
  seedArticles,
  standinStats,
  storeFilter,
  untilJob,
} from "../../test/helpers";
import { database, newId } from "../db/client";
import { articles, oracleLabels } from "../db/schema";
import { redriveStalledJobs } from "../jobs/redrive";
import { pollBatches } from "./batch";
import { STANDIN_BANNER } from "./client";
import { processOracleArticle } from "./consumer";
import { claimKey } from "./store";

const GEMINI = "http://127.0.0.1:8822";
const filter = exampleFilter();

async function standin(config: Record<string, unknown>) {
  await fetch(`${GEMINI}/__standin/config`, { method: "POST", body: JSON.stringify(config) });
}
const stats = () => standinStats(GEMINI);

async function seed(count: number, paragraphs = 1): Promise<string[]> {
  await storeFilter(filter);
  return seedArticles(count, paragraphs);
}

const createJob = (token: string, spec: Record<string, unknown>) => createOracleJob(token, filter.name, spec);
const until = untilJob;

describe("oracle jobs", () => {
  it("estimates without spending on a dry run, with the stand-in banner", async () => {
    const bot = await makeToken("bot");
    const ids = await seed(3);
    const before = await stats();
    const job = await createJob(bot, { selection: { type: "ids", ids }, budget_usd: 1, dry_run: true });
    const done = await until(bot, job.id, ["succeeded"]);
    expect(done.result).toMatchObject({ dry_run: true, banner: STANDIN_BANNER });
    expect(done.result?.estimate).toMatchObject({ selected: 3, already_labelled: 0, to_label: 3 });
    expect((done.result!.estimate as { usd: number }).usd).toBeGreaterThan(0);
    expect((await stats()).calls).toBe(before.calls);
  });

  it("sends only articles that pass the prefilter; the blocked ones are counted with their rule", async () => {
    const bot = await makeToken("bot");
    const ids = await seed(2);
    const db = database(env.DB);
    const blockedId = newId("art");
    const body = "The football final ended 2-1 after extra time; the wind was strong and the crowd loud.";
    await db
      .insert(articles)
      .values({
        id: blockedId,
        url: `https://example.org/${blockedId}`,
        normalized_url: `example.org/${blockedId}`,
        content_hash: blockedId,
        title: "Cup final",
        body,
        body_chars: body.length,
        language: "en",
        source: "example",
      })
      .run();
    const before = await stats();
    const job = await createJob(bot, { selection: { type: "ids", ids: [...ids, blockedId] }, budget_usd: 1 });
    const done = await until(bot, job.id, ["succeeded", "failed"]);
    expect(done.state).toBe("succeeded");
    expect(done.result?.estimate).toMatchObject({ selected: 3, blocked_by_prefilter: 1, to_label: 2 });
    expect(done.result).toMatchObject({
      labelled: 2,
      skipped: 1,
      blocked_by_prefilter: 1,
      skipped_by_reason: { "prefilter:exclude_keyword": 1 },
    });
    expect((await stats()).calls - before.calls).toBe(2);
    const stored = await env.DB.prepare(
      "SELECT pass, rule FROM prefilter_results WHERE article_id = ?1 AND filter = ?2",
    )
      .bind(blockedId, filter.name)
      .first<{ pass: number; rule: string }>();
    expect(stored).toEqual({ pass: 0, rule: "exclude_keyword" });
  });

  it("labels every article through faults, once each, and a rerun skips them all", async () => {
    const bot = await makeToken("bot");
    const ids = await seed(6);
    await standin({
      script: ["rate_limit", "server_error", "fence", "truncated", "score_string"],
      retryAfterS: 0,
    });
    const job = await createJob(bot, { selection: { type: "ids", ids }, budget_usd: 5 });
    const done = await until(bot, job.id, ["succeeded", "failed"]);
    expect(done.result).toMatchObject({ labelled: 6, failed: 0, pending: 0, banner: STANDIN_BANNER });
    const labels = await database(env.DB).select().from(oracleLabels).all();
    const mine = labels.filter((l) => ids.includes(l.article_id));
    expect(mine).toHaveLength(6);
    for (const label of mine) {
      expect(label).toMatchObject({ mode: "interactive", model: "gemini-2.5-flash", job_id: job.id });
      expect(label.tokens_input).toBeGreaterThan(0);
      expect(label.cost_usd).toBeGreaterThan(0);
    }
    expect(Math.max(...mine.map((l) => l.attempts))).toBeGreaterThan(1);
    expect((await stats()).double_calls).toBe(0);

    const callsBefore = (await stats()).calls;
    const rerun = await createJob(bot, { selection: { type: "ids", ids }, budget_usd: 5 });
    const rerunDone = await until(bot, rerun.id, ["succeeded"]);
    expect(rerunDone.result).toMatchObject({ labelled: 0, skipped: 6 });
    expect((await stats()).calls).toBe(callsBefore);
    // A duplicated delivery of a finished item does nothing.
    expect(
      await processOracleArticle(env, { type: "oracle.article", job_id: job.id, article_id: ids[0]! }),
    ).toBe("ignored");
  });

  it("re-sends the pending items of a job whose queue messages were lost, without paying again", async () => {
    const bot = await makeToken("bot");
    const ids = await seed(2);
    const job = await createJob(bot, { selection: { type: "ids", ids }, budget_usd: 5 });
    await until(bot, job.id, ["succeeded"]);
    const callsBefore = (await stats()).calls;
    // A lost message: one item pending again, the job running, nothing changed for three minutes.
    const stale = new Date(Date.now() - 3 * 60_000).toISOString();
    await env.DB.batch([
      env.DB.prepare("UPDATE oracle_items SET state = 'pending' WHERE job_id = ?1 AND article_id = ?2").bind(
        job.id,
        ids[0]!,
      ),
      env.DB.prepare(
        "UPDATE jobs SET state = 'running', finished_at = NULL, updated_at = ?1 WHERE id = ?2",
      ).bind(stale, job.id),
    ]);
    expect(await redriveStalledJobs(env)).toContain(job.id);
    // Touched when re-sent: a stalled job is re-sent once per stall, not every minute.
    expect(await redriveStalledJobs(env)).not.toContain(job.id);
    const done = await until(bot, job.id, ["succeeded"]);
    expect(done.result).toMatchObject({ pending: 0, failed: 0 });
    expect((await stats()).calls).toBe(callsBefore);
  });

  it("waits for a slow start, and fails a job whose start was cut off before its articles were listed", async () => {
    const bot = await makeToken("bot");
    const [id] = await seed(1);
    // Quiet for three minutes, no article list yet: created 3 min ago (a start may still run) or 20 min ago.
    const insert = (jobId: string, createdMinutesAgo: number) => {
      const created = new Date(Date.now() - createdMinutesAgo * 60_000).toISOString();
      const quiet = new Date(Date.now() - 3 * 60_000).toISOString();
      const spec = {
        kind: "oracle",
        filter: filter.name,
        selection: { type: "ids", ids: [id] },
        budget_usd: 1,
      };
      return env.DB.prepare(
        `INSERT INTO jobs (id, kind, state, spec, progress, attempts, created_by, created_at, updated_at)
         VALUES (?1, 'oracle', 'queued', ?2, '{"done":0,"total":null}', 0, ?3, ?4, ?5)`,
      )
        .bind(jobId, JSON.stringify(spec), "test", created, quiet)
        .run();
    };
    await insert("job_slowstart", 3);
    await insert("job_cutoff", 20);
    await redriveStalledJobs(env);
    const read = async (jobId: string) =>
      jobSchema.parse(await (await call(`/v1/jobs/${jobId}`, { token: bot })).json());
    expect((await read("job_slowstart")).state).toBe("queued");
    const cut = await read("job_cutoff");
    expect(cut.state).toBe("failed");
    expect(cut.error?.code).toBe("oracle.start_interrupted");
  });

  it("leaves a key claimed by a live call alone, and takes it over once the claim expires", async () => {
    const bot = await makeToken("bot");
    const [id] = await seed(1);
    const key = {
      article_id: id!,
      filter: filter.name,
      filter_version: filter.version,
      prompt_hash: await promptHash(filter),
      provider: "gemini" as const,
      model: filter.oracle.model,
    };
    // A consumer that died mid-call left this claim behind.
    expect(
      await claimKey(env, key, "job_dead", "dead-consumer", new Date(Date.now() + 60_000).toISOString()),
    ).toBe(true);
    const job = await createJob(bot, { selection: { type: "ids", ids: [id!] }, budget_usd: 1 });
    const message = { type: "oracle.article" as const, job_id: job.id, article_id: id! };
    expect(await processOracleArticle(env, message)).toBe("claimed_elsewhere");
    await env.DB.prepare(
      "UPDATE oracle_claims SET expires_at = '2000-01-01T00:00:00.000Z' WHERE claim_id = ?",
    )
      .bind("dead-consumer")
      .run();
    expect(await processOracleArticle(env, message)).toBe("labelled");
    expect(await processOracleArticle(env, message)).toBe("ignored");
    const done = await until(bot, job.id, ["succeeded"]);
    expect(done.result).toMatchObject({ labelled: 1 });
  });

  it("pauses at the budget cap and resumes when the cap is raised", async () => {
    const bot = await makeToken("bot");
    const ids = await seed(4);
    const job = await createJob(bot, { selection: { type: "ids", ids }, budget_usd: 0.0000001 });
    const paused = await until(bot, job.id, ["paused"]);
    expect(String(paused.result?.paused_reason)).toMatch(/budget cap/);
    const patched = await call(`/v1/jobs/${job.id}`, {
      token: bot,
      method: "PATCH",
      json: { budget_usd: 5 },
    });
    expect(patched.status).toBe(200);
    const done = await until(bot, job.id, ["succeeded"]);
    expect(done.result).toMatchObject({ labelled: 4, budget_usd: 5 });
  });

  it("fails articles with the reason on a permanent error, and retry_failed_of reruns only those", async () => {
    const bot = await makeToken("bot");
    const ids = await seed(3);
    await standin({ script: ["forbidden"] });
    const job = await createJob(bot, { selection: { type: "ids", ids }, budget_usd: 5 });
    const done = await until(bot, job.id, ["succeeded"]);
    expect(done.result).toMatchObject({
      labelled: 2,
      failed: 1,
      failed_by_reason: { "oracle.forbidden": 1 },
    });
    const retry = await createJob(bot, {
      selection: { type: "ids", ids },
      budget_usd: 5,
      retry_failed_of: job.id,
    });
    const retried = await until(bot, retry.id, ["succeeded"]);
    expect(retried.result).toMatchObject({ labelled: 1, failed: 0 });
    expect((retried.result!.estimate as { selected: number }).selected).toBe(1);

    const spend = (await (await call("/v1/oracle/spend", { token: bot })).json()) as {
      rows: { filter: string; model: string; usd: number }[];
      total_usd: number;
    };
    expect(
      spend.rows.some((r) => r.filter === filter.name && r.model === "gemini-2.5-flash" && r.usd > 0),
    ).toBe(true);
  });

  it("ends failed when every article failed, with the failures counted by reason", async () => {
    const bot = await makeToken("bot");
    const ids = await seed(3);
    await standin({ script: ["forbidden", "forbidden", "forbidden"] });
    const job = await createJob(bot, { selection: { type: "ids", ids }, budget_usd: 5 });
    const done = await until(bot, job.id, ["succeeded", "failed"]);
    expect(done.state).toBe("failed");
    expect(done.error?.code).toBe("oracle.all_failed");
    expect(done.error?.message).toContain("oracle.forbidden: 3");
    expect(done.result).toMatchObject({
      labelled: 0,
      failed: 3,
      pending: 0,
      failed_by_reason: { "oracle.forbidden": 3 },
    });
  });

  it("keeps spend under the cap when many consumers work on one job at once", async () => {
    const bot = await makeToken("bot");
    const ids = await seed(20, 60);
    // What a call is expected to cost (what a consumer reserves) and what one really costs here.
    const dry = await createJob(bot, { selection: { type: "ids", ids }, budget_usd: 5, dry_run: true });
    const estimate = (await until(bot, dry.id, ["succeeded"])).result?.estimate as { usd: number };
    const expectedPerCall = estimate.usd / ids.length;
    const [probe] = await seed(1, 60);
    const probeJob = await createJob(bot, { selection: { type: "ids", ids: [probe!] }, budget_usd: 5 });
    const oneCall = ((await until(bot, probeJob.id, ["succeeded"])).result as { spent_usd: number })
      .spent_usd;
    const cap = 5 * expectedPerCall;
    // Twenty calls that each checked the cap on their own would overshoot it.
    expect(20 * oneCall).toBeGreaterThan(cap + oneCall);

    // A config change re-arms the last script: clear it, or earlier tests' faults come back.
    await standin({ latencyMs: 300, script: [] });
    try {
      const job = await createJob(bot, { selection: { type: "ids", ids }, budget_usd: cap });
      // Twenty consumers at once, racing the queue's own consumer for the same messages.
      await Promise.all(
        ids.map((id) =>
          processOracleArticle(env, { type: "oracle.article", job_id: job.id, article_id: id }),
        ),
      );
      const paused = await until(bot, job.id, ["paused"]);
      expect(String(paused.result?.paused_reason)).toMatch(/budget cap/);
      for (let i = 0; i < 100; i++) {
        const inFlight = await env.DB.prepare("SELECT count(*) AS n FROM oracle_claims WHERE job_id = ?1")
          .bind(job.id)
          .first<{ n: number }>();
        if (inFlight?.n === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const labelled = (await database(env.DB).select().from(oracleLabels).all()).filter(
        (l) => l.job_id === job.id,
      );
      const spent = await env.DB.prepare("SELECT sum(cost_usd) AS usd FROM oracle_items WHERE job_id = ?1")
        .bind(job.id)
        .first<{ usd: number }>();
      const priceOfOneCall = Math.max(oneCall, ...labelled.map((l) => l.cost_usd));
      expect(labelled.length).toBeGreaterThan(0);
      expect(spent!.usd).toBeLessThanOrEqual(cap + priceOfOneCall);
    } finally {
      await standin({ latencyMs: 0, script: [] });
    }
  }, 60_000);

  it("labels through Batch Mode at the batch price when the cron polls", async () => {
    const bot = await makeToken("bot");
    const ids = await seed(3);
    const job = await createJob(bot, { selection: { type: "ids", ids }, budget_usd: 5, mode: "batch" });
    expect((await until(bot, job.id, ["running"])).state).toBe("running");
    expect(await pollBatches(env)).toBe(1);
    const done = await until(bot, job.id, ["succeeded"]);
    expect(done.result).toMatchObject({ labelled: 3 });
    const labels = (await database(env.DB).select().from(oracleLabels).all()).filter((l) =>
      ids.includes(l.article_id),
    );
    expect(labels.every((l) => l.mode === "batch" && l.cost_usd > 0)).toBe(true);
  });

  it("builds a dataset from labels and streams a split as JSONL", async () => {
    const bot = await makeToken("bot");
    const ids = await seed(12);
    const job = await createJob(bot, { selection: { type: "ids", ids }, budget_usd: 5 });
    await until(bot, job.id, ["succeeded"]);
    const created = await call("/v1/datasets", { token: bot, json: { filter: filter.name, seed: 1 } });
    expect(created.status).toBe(201);
    const dataset = (await created.json()) as {
      id: string;
      report: { total: number; splits: Record<string, number> };
    };
    expect(dataset.report.total).toBeGreaterThanOrEqual(12);
    const rows = await (await call(`/v1/datasets/${dataset.id}/rows?split=train`, { token: bot })).text();
    const lines = rows.trim().split("\n");
    expect(lines).toHaveLength(dataset.report.splits.train!);
    expect(JSON.parse(lines[0]!).split).toBe("train");
  });
});
