/**
 * @module
 * A bake-off's rows in D1: the job (resolved oracles, cap) and its items, one per oracle, article and
 * replicate. An item is claimed and its expected cost reserved against the cap in one conditional
 * statement, so a duplicated delivery never calls twice and any number of consumers together never
 * overshoot the cap; the outcome settles the item to its actual cost and drops the claim.
 */
import type { BakeoffAnswer } from "@distillery/shared";
import { and, eq, sql } from "drizzle-orm";
import { database, nowIso } from "../db/client";
import { bakeoffItems, bakeoffJobs } from "../db/schema";
import type { Env } from "../env";
import type { OracleCallResult } from "../oracle/call";

export type BakeoffJobRow = typeof bakeoffJobs.$inferSelect;
export type BakeoffItemRow = typeof bakeoffItems.$inferSelect;
export type BakeoffOracleRow = BakeoffJobRow["oracles"][number];
/** One item's key. */
export type ItemKey = { job_id: string; oracle: string; article_id: string; replicate: 0 | 1 };

export async function getBakeoffJob(env: Env, jobId: string): Promise<BakeoffJobRow | undefined> {
  return database(env.DB).select().from(bakeoffJobs).where(eq(bakeoffJobs.job_id, jobId)).get();
}

export async function getItem(env: Env, key: ItemKey): Promise<BakeoffItemRow | undefined> {
  return database(env.DB)
    .select()
    .from(bakeoffItems)
    .where(
      and(
        eq(bakeoffItems.job_id, key.job_id),
        eq(bakeoffItems.oracle, key.oracle),
        eq(bakeoffItems.article_id, key.article_id),
        eq(bakeoffItems.replicate, key.replicate),
      ),
    )
    .get();
}

export type NewItem = Omit<typeof bakeoffItems.$inferInsert, "job_id" | "updated_at">;

/** Inserts items in chunks with one JSON parameter each (D1 allows 100 bound parameters). */
export async function insertItems(env: Env, jobId: string, items: readonly NewItem[]): Promise<void> {
  for (let i = 0; i < items.length; i += 200) {
    await env.DB.prepare(
      `INSERT INTO bakeoff_items (job_id, oracle, article_id, replicate, state, reused, scores, categories,
         overall, tier, tokens_input, tokens_output, tokens_thinking, cost_usd)
       SELECT ?1, v->>'oracle', v->>'article_id', v->>'replicate', v->>'state', coalesce(v->>'reused', 0),
         v->'scores', v->'categories', v->>'overall', v->>'tier', coalesce(v->>'tokens_input', 0),
         coalesce(v->>'tokens_output', 0), coalesce(v->>'tokens_thinking', 0), coalesce(v->>'cost_usd', 0)
       FROM (SELECT value AS v FROM json_each(?2)) WHERE true ON CONFLICT DO NOTHING`,
    )
      .bind(jobId, JSON.stringify(items.slice(i, i + 200)))
      .run();
  }
}

/** What the job has paid (reused labels excluded) and what live claims hold, as SQL over ?1 (job), ?2 (now). */
const SPENT_AND_HELD = `(SELECT coalesce(sum(cost_usd), 0) FROM bakeoff_items WHERE job_id = ?1 AND reused = 0)
  + (SELECT coalesce(sum(reserved_usd), 0) FROM bakeoff_items
     WHERE job_id = ?1 AND claim_id IS NOT NULL AND claim_expires_at >= ?2
       AND NOT (oracle = ?3 AND article_id = ?4 AND replicate = ?5))`;

/**
 * Claims a pending item for `claimId` until `expiresAt` and holds `usd` of the cap for it, in one
 * statement; false when the item is not pending, is claimed by a live call, or the cap cannot hold it.
 */
export async function claimAndReserve(
  env: Env,
  key: ItemKey,
  claimId: string,
  expiresAt: string,
  usd: number,
): Promise<boolean> {
  const row = await env.DB.prepare(
    `UPDATE bakeoff_items SET claim_id = ?6, claim_expires_at = ?7, reserved_usd = ?8
     WHERE job_id = ?1 AND oracle = ?3 AND article_id = ?4 AND replicate = ?5 AND state = 'pending'
       AND (claim_id IS NULL OR claim_expires_at < ?2)
       AND ${SPENT_AND_HELD} + ?8 <= (SELECT budget_usd FROM bakeoff_jobs WHERE job_id = ?1)
     RETURNING claim_id`,
  )
    .bind(key.job_id, nowIso(), key.oracle, key.article_id, key.replicate, claimId, expiresAt, usd)
    .first<{ claim_id: string }>();
  return row?.claim_id === claimId;
}

/** Raises the reservation of a held claim to `usd` (a truncated answer's retry), if the cap holds it. */
export async function reserveMore(env: Env, key: ItemKey, claimId: string, usd: number): Promise<boolean> {
  const row = await env.DB.prepare(
    `UPDATE bakeoff_items SET reserved_usd = ?7
     WHERE job_id = ?1 AND oracle = ?3 AND article_id = ?4 AND replicate = ?5 AND claim_id = ?6
       AND ${SPENT_AND_HELD} + ?7 <= (SELECT budget_usd FROM bakeoff_jobs WHERE job_id = ?1)
     RETURNING claim_id`,
  )
    .bind(key.job_id, nowIso(), key.oracle, key.article_id, key.replicate, claimId, usd)
    .first<{ claim_id: string }>();
  return row?.claim_id === claimId;
}

/** Gives up a claim and the budget it holds (the call was not made, or threw). */
export async function releaseClaim(env: Env, key: ItemKey, claimId: string): Promise<void> {
  await env.DB.prepare(
    `UPDATE bakeoff_items SET claim_id = NULL, claim_expires_at = NULL, reserved_usd = 0
     WHERE job_id = ?1 AND oracle = ?2 AND article_id = ?3 AND replicate = ?4 AND claim_id = ?5`,
  )
    .bind(key.job_id, key.oracle, key.article_id, key.replicate, claimId)
    .run();
}

/** Stores a call's outcome on its item (billed failures cost too) and drops the claim. */
export async function recordOutcome(
  env: Env,
  key: ItemKey,
  claimId: string,
  result: OracleCallResult,
  answer: { overall: number; tier: string } | null,
): Promise<void> {
  const scores = result.ok
    ? JSON.stringify(Object.fromEntries(Object.entries(result.scores).map(([k, v]) => [k, v.score])))
    : null;
  await env.DB.prepare(
    `UPDATE bakeoff_items SET state = ?6, scores = ?7, categories = ?8, overall = ?9, tier = ?10,
       tokens_input = tokens_input + ?11, tokens_output = tokens_output + ?12,
       tokens_thinking = tokens_thinking + ?13, cost_usd = cost_usd + ?14, attempts = attempts + ?15,
       reason = ?16, message = ?17, claim_id = NULL, claim_expires_at = NULL, reserved_usd = 0, updated_at = ?18
     WHERE job_id = ?1 AND oracle = ?2 AND article_id = ?3 AND replicate = ?4 AND claim_id = ?5`,
  )
    .bind(
      key.job_id,
      key.oracle,
      key.article_id,
      key.replicate,
      claimId,
      result.ok ? "done" : "failed",
      scores,
      result.ok ? JSON.stringify(result.categories) : null,
      answer?.overall ?? null,
      answer?.tier ?? null,
      result.tokens.input,
      result.tokens.output,
      result.tokens.thinking,
      result.cost_usd,
      result.attempts,
      result.ok ? null : result.code,
      result.ok ? null : result.message,
      nowIso(),
    )
    .run();
}

/** Fails a still-pending item whose message could not be worked on. */
export async function failPendingItem(env: Env, key: ItemKey, failure: { code: string; message: string }) {
  await database(env.DB)
    .update(bakeoffItems)
    .set({ state: "failed", reason: failure.code, message: failure.message, updated_at: nowIso() })
    .where(
      and(
        eq(bakeoffItems.job_id, key.job_id),
        eq(bakeoffItems.oracle, key.oracle),
        eq(bakeoffItems.article_id, key.article_id),
        eq(bakeoffItems.replicate, key.replicate),
        eq(bakeoffItems.state, "pending"),
      ),
    )
    .run();
}

/** Items by state, and what the job has paid (reused labels excluded). */
export async function itemProgress(env: Env, jobId: string) {
  const rows = await database(env.DB)
    .select({
      state: bakeoffItems.state,
      n: sql<number>`count(*)`,
      paid: sql<number>`coalesce(sum(CASE WHEN ${bakeoffItems.reused} THEN 0 ELSE ${bakeoffItems.cost_usd} END), 0)`,
    })
    .from(bakeoffItems)
    .where(eq(bakeoffItems.job_id, jobId))
    .groupBy(bakeoffItems.state)
    .all();
  const counts = { pending: 0, done: 0, failed: 0, spent_usd: 0 };
  for (const row of rows) {
    counts[row.state] += row.n;
    counts.spent_usd += row.paid;
  }
  return counts;
}

/** Stops the job at the cap (the first reason stays): no new call starts after this. */
export async function markStopped(env: Env, jobId: string, reason: string): Promise<void> {
  await env.DB.prepare(
    "UPDATE bakeoff_jobs SET stopped_reason = ?2 WHERE job_id = ?1 AND stopped_reason IS NULL",
  )
    .bind(jobId, reason)
    .run();
}

/** Calls of the job in flight (live claims). */
export async function callsInFlight(env: Env, jobId: string): Promise<number> {
  const row = await env.DB.prepare(
    "SELECT count(*) AS n FROM bakeoff_items WHERE job_id = ?1 AND claim_id IS NOT NULL AND claim_expires_at >= ?2",
  )
    .bind(jobId, nowIso())
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/** Every item of the job as the report reads it. */
export async function loadAnswers(env: Env, jobId: string): Promise<BakeoffAnswer[]> {
  const rows = await database(env.DB).select().from(bakeoffItems).where(eq(bakeoffItems.job_id, jobId)).all();
  return rows.map((row) => ({
    oracle: row.oracle,
    article_id: row.article_id,
    replicate: row.replicate === 1 ? 1 : 0,
    state: row.state,
    scores: row.scores ?? null,
    categories: row.categories ?? null,
    reason: row.reason,
    tokens: { input: row.tokens_input, output: row.tokens_output, thinking: row.tokens_thinking },
    cost_usd: row.cost_usd,
  }));
}

/** The pending items of a job (what a re-drive sends again). */
export async function pendingItems(env: Env, jobId: string): Promise<ItemKey[]> {
  const rows = await database(env.DB)
    .select({
      oracle: bakeoffItems.oracle,
      article_id: bakeoffItems.article_id,
      replicate: bakeoffItems.replicate,
    })
    .from(bakeoffItems)
    .where(and(eq(bakeoffItems.job_id, jobId), eq(bakeoffItems.state, "pending")))
    .all();
  return rows.map((r) => ({ job_id: jobId, ...r, replicate: r.replicate === 1 ? 1 : 0 }));
}
