/**
 * @module
 * The `distillery-oracle` queue consumer (interactive mode): one message per article. Messages of a
 * batch are worked on concurrently; the `ORACLE_LIMITER` Durable Object keeps every consumer together
 * under the quota. Each message is idempotent: an item that is no longer pending, a key that already
 * has a label or is claimed by a live call, a job that is paused or over, are all acknowledged or
 * retried without calling the oracle. Before a call, its expected cost is reserved against the job's
 * budget cap in one conditional statement (`reserveBudget`); the outcome settles it to the actual
 * cost. A message that fails on its last delivery fails its article with the reason.
 */
import { idSchema } from "@distillery/shared";
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { database, nowIso } from "../db/client";
import { oracleItems } from "../db/schema";
import type { Env } from "../env";
import { loadFilter } from "../filters/store";
import { getJob } from "../jobs/index";
import { retriesExhausted } from "../queue/failures";
import { callOracle, type OracleCallResult } from "./call";
import { limiterGate, oracleSettings, oracleTransport } from "./config";
import { costUsd, priceFor } from "./cost";
import { labelledIds } from "./label-reader";
import { estimateCallTokens } from "./request";
import { pauseAtBudget, settleJob } from "./settle";
import {
  claimKey,
  failPendingItem,
  getOracleJob,
  labelKey,
  loadArticleTexts,
  markSkipped,
  recordOutcome,
  releaseClaim,
  reserveBudget,
  rowOracle,
} from "./store";

export const oracleQueueMessageSchema = z.object({
  type: z.literal("oracle.article"),
  job_id: idSchema,
  article_id: idSchema,
});
export type OracleQueueMessage = z.infer<typeof oracleQueueMessageSchema>;

/**
 * `max_retries` of the `distillery-oracle` consumer in wrangler.jsonc (keep the two in step): on the
 * delivery after that many retries, a message that fails again fails its article.
 */
export const ORACLE_QUEUE_MAX_RETRIES = 10;

/** How long a claim protects a call in flight (longer than a call with all its retries). */
export const CLAIM_MS = 10 * 60_000;
/** Seconds before a message whose key is claimed elsewhere is looked at again. */
const CLAIMED_RETRY_S = 30;

export type ArticleOutcome = "labelled" | "failed" | "skipped" | "ignored" | "paused" | "claimed_elsewhere";

/** Works on one article message; returns what happened (for tests and logs). */
export async function processOracleArticle(env: Env, message: OracleQueueMessage): Promise<ArticleOutcome> {
  const row = await getOracleJob(env, message.job_id);
  if (!row) return "ignored";
  const job = await getJob(env, message.job_id);
  if (job.state !== "running") return job.state === "paused" ? "paused" : "ignored";
  const item = await database(env.DB)
    .select()
    .from(oracleItems)
    .where(and(eq(oracleItems.job_id, row.job_id), eq(oracleItems.article_id, message.article_id)))
    .get();
  if (item?.state !== "pending") return "ignored";
  const key = labelKey(row, message.article_id);
  if ((await labelledIds(env, key, [key.article_id])).size > 0) {
    await markSkipped(env, row.job_id, key.article_id);
    await settleJob(env, row.job_id);
    return "skipped";
  }
  const settings = oracleSettings(env);
  const filter = await loadFilter(env, row.filter, row.filter_version);
  const article = (await loadArticleTexts(env, [key.article_id])).get(key.article_id);
  if (!article) return "ignored";
  const oracle = rowOracle(row, filter);
  const price = priceFor(settings.prices, oracle.model);
  const estimate = estimateCallTokens(filter, article, oracle);
  const { input, output, thinking } = estimate;
  const expected = costUsd(price, { input, cached: 0, output, thinking }, "interactive");
  const claimId = crypto.randomUUID();
  const expiresAt = new Date(Date.now() + CLAIM_MS).toISOString();
  if (!(await claimKey(env, key, row.job_id, claimId, expiresAt))) return "claimed_elsewhere";
  if (!(await reserveBudget(env, row.job_id, claimId, expected))) {
    await releaseClaim(env, key, claimId);
    await pauseAtBudget(env, row);
    return "paused";
  }
  let result: OracleCallResult;
  try {
    result = await callOracle({
      transport: oracleTransport(settings, oracle.provider),
      filter,
      article,
      oracle,
      price,
      reserveExtra: (usd) => reserveBudget(env, row.job_id, claimId, expected + usd),
      beforeAttempt: limiterGate(env, settings, oracle.provider),
    });
  } catch (error) {
    // Nothing was billed that we know of: give the reservation back, and let the queue retry.
    await releaseClaim(env, key, claimId);
    throw error;
  }
  await recordOutcome(env, { filter, key, jobId: row.job_id, claimId, mode: "interactive", result });
  await settleJob(env, row.job_id);
  return result.ok ? "labelled" : "failed";
}

/** Works on one `oracle.article` message of `distillery-oracle`, acknowledging or retrying it. */
export async function handleOracleMessage(env: Env, message: Message): Promise<void> {
  const parsed = oracleQueueMessageSchema.safeParse(message.body);
  if (!parsed.success) {
    console.error("distillery-oracle: dropping an invalid message", parsed.error.issues);
    message.ack();
    return;
  }
  try {
    const outcome = await processOracleArticle(env, parsed.data);
    if (outcome === "claimed_elsewhere") message.retry({ delaySeconds: CLAIMED_RETRY_S });
    else message.ack();
  } catch (error) {
    console.error(`distillery-oracle: ${parsed.data.article_id} failed at ${nowIso()}`, error);
    if (message.attempts <= ORACLE_QUEUE_MAX_RETRIES) {
      message.retry();
      return;
    }
    const { job_id, article_id } = parsed.data;
    try {
      const failure = retriesExhausted(`article ${article_id}`, message.attempts, error);
      await failPendingItem(env, job_id, article_id, failure);
      await settleJob(env, job_id);
      message.ack();
    } catch (failure) {
      // The item stays pending; the stalled-work re-drive (jobs/redrive.ts) sends it again later.
      console.error(`distillery-oracle: could not fail article ${article_id}`, failure);
      message.retry();
    }
  }
}
