/**
 * Batch Mode through uploaded JSONL files, inside workerd: the real SDK uploads each input file to the
 * Gemini stand-in (port 8822, started by the project's global setup) and creates one batch per file;
 * the cron's `pollBatches` streams each results file back into labels. The inline limit is set tiny
 * here (before the worker first reads its configuration) so 50 short articles go as 3 files.
 */
import { env } from "cloudflare:test";
import { exampleFilter, jobSchema, resolveOracle } from "@distillery/shared";
import { beforeAll, describe, expect, it } from "vitest";
import { call, makeToken, standinStats, storeArticle, storeFilter, untilSubmitted } from "../../test/helpers";
import { newId } from "../db/client";
import { pollBatches } from "./batch";
import { oracleSettings } from "./config";
import { costUsd, priceFor } from "./cost";
import { oracleBatchLine } from "./request";

const GEMINI = "http://127.0.0.1:8822";
const filter = exampleFilter();
const ARTICLES = 50;

const body = (i: number) =>
  `Wind farm ${newId("w")} delivers ${i + 10} MW to the grid; the operator reports steady output and lower prices.`;
/** About the size of one JSONL line of this test's articles. */
const lineBytes = new TextEncoder().encode(
  JSON.stringify(
    oracleBatchLine(
      filter,
      {
        title: "Wind farm 10",
        body: body(10),
        language: "en",
        source: "example",
        url: "https://example.org/x",
      },
      resolveOracle(filter),
      newId("art"),
    ),
  ),
).length;

const vars = env as unknown as Record<string, string>;
vars.ORACLE_BATCH_INLINE_BYTES = String(lineBytes * 2);
vars.ORACLE_BATCH_FILE_BYTES = String(lineBytes * 22);

async function job(token: string, id: string) {
  return jobSchema.parse(await (await call(`/v1/jobs/${id}`, { token })).json());
}

/** A cron run's `timeUp` that turns true on its `n`-th check: a deterministic stand-in for the clock. */
function afterChecks(n: number): () => boolean {
  let checks = 0;
  return () => ++checks >= n;
}

describe("Batch Mode through JSONL files", () => {
  beforeAll(async () => {
    await fetch(`${GEMINI}/__standin/config`, {
      method: "POST",
      body: JSON.stringify({ faultRate: 0, script: [] }),
    });
    await storeFilter(filter);
  });

  it("labels a job too big for an inline batch through several files, once each, at the batch price", async () => {
    const bot = await makeToken("bot");
    const ids: string[] = [];
    for (let i = 0; i < ARTICLES; i++) ids.push(await storeArticle(`Wind farm ${i}`, body(i)));
    const before = await standinStats(GEMINI);
    const created = await call("/v1/jobs", {
      token: bot,
      json: {
        kind: "oracle",
        filter: filter.name,
        selection: { type: "ids", ids },
        budget_usd: 5,
        mode: "batch",
      },
    });
    expect(created.status).toBe(201);
    const { id } = jobSchema.parse(await created.json());
    await untilSubmitted(id, ARTICLES);

    const { results: batches } = await env.DB.prepare(
      "SELECT name, article_ids FROM oracle_batches WHERE job_id = ?1 ORDER BY created_at",
    )
      .bind(id)
      .all<{ name: string; article_ids: string }>();
    expect(batches.length).toBe(3);
    // File batches name their articles on the items (the JSON column would outgrow a D1 value).
    expect(batches.every((b) => b.article_ids === "[]")).toBe(true);

    // An item the first batch carries but its results file will not answer: it must fail with a code.
    const unanswered = newId("art");
    await env.DB.prepare(
      `INSERT INTO oracle_items (job_id, article_id, filter, model, state, batch_name)
       SELECT job_id, ?2, filter, model, 'pending', ?3 FROM oracle_items WHERE job_id = ?1 LIMIT 1`,
    )
      .bind(id, unanswered, batches[0]?.name)
      .run();

    // Each cron run's time is up after 12 checks (one per batch started, one per line recorded), so
    // each results file (~17 lines) takes more than one run: what a cut-short run recorded is never
    // recorded again, and every article still ends with one outcome.
    let finished = 0;
    let runs = 0;
    while (runs < 40 && finished < batches.length) {
      finished += await pollBatches(env, afterChecks(12));
      runs += 1;
    }
    expect(finished).toBe(3);
    expect(runs).toBeGreaterThan(batches.length);
    expect(await pollBatches(env)).toBe(0);

    const done = await job(bot, id);
    expect(done.state).toBe("succeeded");
    expect(done.result).toMatchObject({
      labelled: ARTICLES,
      failed: 1,
      failed_by_reason: { "oracle.batch_missing_result": 1 },
    });
    const after = await standinStats(GEMINI);
    expect(after.calls - before.calls).toBe(ARTICLES);
    expect(after.double_calls).toBe(before.double_calls);

    const { results: labels } = await env.DB.prepare(
      "SELECT model, mode, cost_usd, tokens_input, tokens_cached, tokens_output FROM oracle_labels WHERE job_id = ?1",
    )
      .bind(id)
      .all<{
        model: string;
        mode: string;
        cost_usd: number;
        tokens_input: number;
        tokens_cached: number;
        tokens_output: number;
      }>();
    expect(labels).toHaveLength(ARTICLES);
    const price = priceFor(oracleSettings(env).prices, labels[0]?.model ?? "");
    for (const label of labels) {
      expect(label.mode).toBe("batch");
      const tokens = {
        input: label.tokens_input,
        cached: label.tokens_cached,
        output: label.tokens_output,
        thinking: 0,
      };
      expect(label.cost_usd).toBeCloseTo(costUsd(price, tokens, "batch"), 12);
      expect(label.cost_usd).toBeLessThan(costUsd(price, tokens, "interactive"));
    }
    const claims = await env.DB.prepare("SELECT count(*) AS n FROM oracle_claims WHERE job_id = ?1")
      .bind(id)
      .first<{ n: number }>();
    expect(claims?.n).toBe(0);
  });
});
