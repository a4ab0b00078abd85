/**
 * @module
 * Bake-off items on the `distillery-oracle` queue: one message per oracle, article and replicate.
 * Each is idempotent: an item no longer pending, claimed by a live call, or of a job that is over is
 * acknowledged or retried without a call. Before a call, the item is claimed and its expected cost
 * reserved against the job's cap in one statement; at the cap the job ends with the answers it has.
 * The limiter is per provider, shared with oracle jobs. Answers land on the item, never in
 * `oracle_labels`.
 */
import { idSchema, postfilter } from "@distillery/shared";
import { z } from "zod";
import { nowIso } from "../db/client";
import type { Env } from "../env";
import { loadFilter } from "../filters/store";
import { getJob } from "../jobs/index";
import { callOracle, type OracleCallResult } from "../oracle/call";
import { limiterGate, oracleSettings, oracleTransport } from "../oracle/config";
import { CLAIM_MS, ORACLE_QUEUE_MAX_RETRIES } from "../oracle/consumer";
import { costUsd, priceFor } from "../oracle/cost";
import { estimateCallTokens } from "../oracle/request";
import { loadArticleTexts } from "../oracle/store";
import { retriesExhausted } from "../queue/failures";
import { capReason, settleBakeoff } from "./settle";
import {
  claimAndReserve,
  failPendingItem,
  getBakeoffJob,
  getItem,
  type ItemKey,
  markStopped,
  recordOutcome,
  releaseClaim,
  reserveMore,
} from "./store";

export const bakeoffQueueMessageSchema = z.object({
  type: z.literal("bakeoff.item"),
  job_id: idSchema,
  oracle: z.string().min(1),
  article_id: idSchema,
  replicate: z.union([z.literal(0), z.literal(1)]),
});
export type BakeoffQueueMessage = z.infer<typeof bakeoffQueueMessageSchema>;

/** Seconds before a message whose item is claimed by a live call is looked at again. */
const CLAIMED_RETRY_S = 30;

export type ItemOutcome = "answered" | "failed" | "ignored" | "stopped" | "claimed_elsewhere";

/** Works on one item; returns what happened (for tests and logs). */
export async function processBakeoffItem(env: Env, key: ItemKey): Promise<ItemOutcome> {
  const row = await getBakeoffJob(env, key.job_id);
  if (!row || row.stopped_reason || (await getJob(env, key.job_id)).state !== "running") return "ignored";
  const oracleRow = row.oracles.find((o) => o.name === key.oracle);
  if (!oracleRow || (await getItem(env, key))?.state !== "pending") return "ignored";
  const settings = oracleSettings(env);
  const filter = await loadFilter(env, row.filter, row.filter_version);
  const article = (await loadArticleTexts(env, [key.article_id])).get(key.article_id);
  if (!article) return "ignored";
  const { provider, model, thinking, max_output_tokens } = oracleRow;
  const oracle = { provider, model, thinking, max_output_tokens };
  const price = priceFor(settings.prices, model);
  const { input, output, thinking: thinkingTokens } = estimateCallTokens(filter, article, oracle);
  const expected = costUsd(price, { input, cached: 0, output, thinking: thinkingTokens }, "interactive");
  const claimId = crypto.randomUUID();
  const expiresAt = new Date(Date.now() + CLAIM_MS).toISOString();
  if (!(await claimAndReserve(env, key, claimId, expiresAt, expected))) {
    const item = await getItem(env, key);
    if (item?.state !== "pending") return "ignored";
    if (item.claim_expires_at && item.claim_expires_at >= nowIso()) return "claimed_elsewhere";
    await markStopped(env, key.job_id, capReason(row));
    await settleBakeoff(env, key.job_id);
    return "stopped";
  }
  let result: OracleCallResult;
  try {
    result = await callOracle({
      transport: oracleTransport(settings, provider),
      filter,
      article,
      oracle,
      price,
      reserveExtra: (usd) => reserveMore(env, key, claimId, expected + usd),
      beforeAttempt: limiterGate(env, settings, provider),
    });
  } catch (error) {
    // Nothing was billed that we know of: give the reservation back, and let the queue retry.
    await releaseClaim(env, key, claimId);
    throw error;
  }
  const scores = result.ok
    ? Object.fromEntries(Object.entries(result.scores).map(([k, v]) => [k, v.score]))
    : null;
  const answer = result.ok && scores ? postfilter(filter, scores, result.categories) : null;
  await recordOutcome(env, key, claimId, result, answer);
  await settleBakeoff(env, key.job_id);
  return result.ok ? "answered" : "failed";
}

/** True for a message this module handles (the oracle consumer hands these over). */
export function isBakeoffMessage(body: unknown): boolean {
  return typeof body === "object" && body !== null && (body as { type?: unknown }).type === "bakeoff.item";
}

/** Handles one `bakeoff.item` message of a `distillery-oracle` batch: ack, retry, or fail the item. */
export async function handleBakeoffMessage(env: Env, message: Message): Promise<void> {
  const parsed = bakeoffQueueMessageSchema.safeParse(message.body);
  if (!parsed.success) {
    console.error("distillery-oracle: dropping an invalid bake-off message", parsed.error.issues);
    message.ack();
    return;
  }
  const { type: _, ...key } = parsed.data;
  try {
    const outcome = await processBakeoffItem(env, key);
    if (outcome === "claimed_elsewhere") message.retry({ delaySeconds: CLAIMED_RETRY_S });
    else message.ack();
  } catch (error) {
    console.error(`distillery-oracle: bake-off item ${key.oracle}/${key.article_id} failed`, error);
    if (message.attempts <= ORACLE_QUEUE_MAX_RETRIES) {
      message.retry();
      return;
    }
    try {
      const what = `bake-off item ${key.oracle}/${key.article_id}/${key.replicate}`;
      await failPendingItem(env, key, retriesExhausted(what, message.attempts, error));
      await settleBakeoff(env, key.job_id);
      message.ack();
    } catch (failure) {
      // The item stays pending; the stalled-work re-drive (jobs/redrive.ts) sends it again later.
      console.error(`distillery-oracle: could not fail bake-off item ${key.article_id}`, failure);
      message.retry();
    }
  }
}
