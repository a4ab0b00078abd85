/**
 * @module
 * Batch Mode (half price): an oracle job's articles go to Gemini as inline batches of up to
 * `BATCH_SIZE` requests keyed by article id, each label key claimed for the batch's lifetime. The
 * cron handler polls the open batches and ingests each one's results as soon as it completes.
 */
import type { ArticleText, FilterPackage } from "@distillery/shared";
import { and, eq, inArray } from "drizzle-orm";
import { database, nowIso } from "../db/client";
import { oracleBatches, oracleItems } from "../db/schema";
import type { Env } from "../env";
import { loadFilter } from "../filters/store";
import { readOracleAnswer } from "./answer";
import type { OracleCallResult } from "./call";
import { oracleGemini, oracleSettings } from "./config";
import { costUsd, priceFor, usageTokens } from "./cost";
import { oracleRequest } from "./request";
import { classifyFailure } from "./retry";
import { settleJob } from "./settle";
import { claimKey, getOracleJob, loadArticleTexts, type OracleJobRow, recordOutcome } from "./store";

export const BATCH_SIZE = 500;
/** Gemini keeps a batch for up to 48 hours; a claim outlives it. */
const BATCH_CLAIM_MS = 50 * 3_600_000;
const OPEN_STATES = ["JOB_STATE_PENDING", "JOB_STATE_RUNNING", "JOB_STATE_QUEUED", "submitted"];

function claimIdFor(batchName: string) {
  return `batch:${batchName}`;
}

/** Submits `ids` in batches of BATCH_SIZE and records each submission. */
export async function submitBatches(
  env: Env,
  row: OracleJobRow,
  filter: FilterPackage,
  ids: readonly string[],
) {
  const settings = oracleSettings(env);
  const { ai } = oracleGemini(settings);
  for (let i = 0; i < ids.length; i += BATCH_SIZE) {
    const chunk = ids.slice(i, i + BATCH_SIZE);
    const texts = await loadArticleTexts(env, chunk);
    const present = chunk.filter((id) => texts.has(id));
    const src = present.map((id) => {
      const { model: _model, ...request } = oracleRequest(filter, texts.get(id) as ArticleText, row.model);
      return { ...request, metadata: { key: id } };
    });
    const created = await ai.batches.create({
      model: row.model,
      src,
      config: { displayName: `distillery-${row.job_id}-${i / BATCH_SIZE}` },
    });
    const name = created.name ?? "";
    const expiresAt = new Date(Date.now() + BATCH_CLAIM_MS).toISOString();
    for (const id of present) {
      await claimKey(env, { ...row, article_id: id }, row.job_id, claimIdFor(name), expiresAt);
    }
    await database(env.DB)
      .insert(oracleBatches)
      .values({ name, job_id: row.job_id, state: created.state ?? "submitted", article_ids: present })
      .run();
    await database(env.DB)
      .update(oracleItems)
      .set({ batch_name: name })
      .where(and(eq(oracleItems.job_id, row.job_id), inArray(oracleItems.article_id, present)))
      .run();
  }
}

type InlinedResponse = {
  metadata?: Record<string, unknown>;
  error?: { code?: number; message?: string };
  response?: {
    candidates?: { finishReason?: string; content?: { parts?: { text?: string }[] } }[];
    usageMetadata?: Parameters<typeof usageTokens>[0];
  };
};

function batchResult(
  filter: FilterPackage,
  row: OracleJobRow,
  item: InlinedResponse,
  env: Env,
): OracleCallResult {
  const price = priceFor(oracleSettings(env).prices, row.model);
  const tokens = usageTokens(item.response?.usageMetadata);
  const base = {
    model: row.model,
    tokens,
    cost_usd: costUsd(price, tokens, "batch"),
    latency_ms: 0,
    attempts: 1,
  };
  if (item.error) {
    const failure = classifyFailure({ status: item.error.code ?? 500, message: item.error.message ?? "" });
    return { ...base, ok: false, code: failure.code, message: failure.message };
  }
  const candidate = item.response?.candidates?.[0];
  if (!candidate || candidate.finishReason === "SAFETY") {
    return { ...base, ok: false, code: "oracle.safety_blocked", message: "blocked by Gemini" };
  }
  const answer = readOracleAnswer(filter, candidate.content?.parts?.map((p) => p.text ?? "").join("") ?? "");
  return "code" in answer ? { ...base, ok: false, ...answer } : { ...base, ok: true, ...answer };
}

/** Polls every open batch once; ingests the results of those that finished. */
export async function pollBatches(env: Env): Promise<number> {
  const db = database(env.DB);
  const open = (await db.select().from(oracleBatches).all()).filter((b) => OPEN_STATES.includes(b.state));
  if (open.length === 0) return 0;
  const { ai } = oracleGemini(oracleSettings(env));
  let finished = 0;
  for (const batch of open) {
    const status = await ai.batches.get({ name: batch.name });
    const state = status.state ?? batch.state;
    if (OPEN_STATES.includes(state)) {
      await db.update(oracleBatches).set({ state }).where(eq(oracleBatches.name, batch.name)).run();
      continue;
    }
    const row = await getOracleJob(env, batch.job_id);
    if (!row) continue;
    const filter = await loadFilter(env, row.filter, row.filter_version);
    const responses = (status.dest?.inlinedResponses ?? []) as InlinedResponse[];
    const seen = new Set<string>();
    for (const item of responses) {
      const articleId = String(item.metadata?.key ?? "");
      if (!batch.article_ids.includes(articleId) || seen.has(articleId)) continue;
      seen.add(articleId);
      const result = batchResult(filter, row, item, env);
      const key = { ...row, article_id: articleId };
      await recordOutcome(env, {
        filter,
        key,
        jobId: row.job_id,
        claimId: claimIdFor(batch.name),
        mode: "batch",
        result,
      });
    }
    for (const articleId of batch.article_ids.filter((id) => !seen.has(id))) {
      const result: OracleCallResult = {
        ok: false,
        code: `oracle.batch_${state.replace(/^JOB_STATE_/, "").toLowerCase()}`,
        message: `the batch ended ${state} without an answer for this article`,
        model: row.model,
        tokens: { input: 0, cached: 0, output: 0 },
        cost_usd: 0,
        latency_ms: 0,
        attempts: 1,
      };
      const key = { ...row, article_id: articleId };
      await recordOutcome(env, {
        filter,
        key,
        jobId: row.job_id,
        claimId: claimIdFor(batch.name),
        mode: "batch",
        result,
      });
    }
    await db
      .update(oracleBatches)
      .set({ state, finished_at: nowIso() })
      .where(eq(oracleBatches.name, batch.name))
      .run();
    await settleJob(env, row.job_id);
    finished += 1;
  }
  return finished;
}
