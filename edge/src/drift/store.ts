/**
 * @module
 * The drift audit's rows in `filter_health`: claiming an audit slot (one conditional insert, so two
 * overlapping crons start one audit per due period), finishing or failing it, and reading the series
 * as the API serves it (`filterHealthPointSchema`).
 */
import {
  type FilterHealthFigures,
  type FilterHealthPoint,
  filterHealthPointSchema,
} from "@distillery/shared";
import { and, desc, eq } from "drizzle-orm";
import { database, newId, nowIso } from "../db/client";
import { filterHealth } from "../db/schema";
import type { Env } from "../env";

export type HealthRow = typeof filterHealth.$inferSelect;

/**
 * Inserts a `running` audit of `filter` unless one is running or one started after `notBefore`
 * (null: only a running audit blocks, as for an audit asked for now). Returns the row, or null when
 * another audit holds the slot. A single statement, so concurrent callers cannot both insert.
 */
export async function claimAudit(
  env: Env,
  audit: { filter: string; filter_version: number; model_id: string; notBefore: string | null },
): Promise<HealthRow | null> {
  const id = newId("health");
  const startedAt = nowIso();
  const result = await env.DB.prepare(
    `INSERT INTO filter_health (id, filter, filter_version, model_id, state, started_at)
     SELECT ?1, ?2, ?3, ?4, 'running', ?5
     WHERE NOT EXISTS (
       SELECT 1 FROM filter_health WHERE filter = ?2 AND (state = 'running' OR (?6 IS NOT NULL AND started_at > ?6))
     )`,
  )
    .bind(id, audit.filter, audit.filter_version, audit.model_id, startedAt, audit.notBefore)
    .run();
  if (result.meta.changes === 0) return null;
  return (await database(env.DB).select().from(filterHealth).where(eq(filterHealth.id, id)).get()) ?? null;
}

export async function setAuditJob(env: Env, id: string, oracleJobId: string): Promise<void> {
  await database(env.DB)
    .update(filterHealth)
    .set({ oracle_job_id: oracleJobId })
    .where(eq(filterHealth.id, id))
    .run();
}

export async function finishAudit(env: Env, id: string, figures: FilterHealthFigures): Promise<void> {
  await database(env.DB)
    .update(filterHealth)
    .set({ state: "done", figures, finished_at: nowIso() })
    .where(eq(filterHealth.id, id))
    .run();
}

/** Marks an audit failed; its `figures` hold only the reason (`{ error }`). */
export async function failAudit(env: Env, id: string, error: string): Promise<void> {
  await database(env.DB)
    .update(filterHealth)
    .set({ state: "failed", figures: { error }, finished_at: nowIso() })
    .where(eq(filterHealth.id, id))
    .run();
}

export async function runningAudits(env: Env): Promise<HealthRow[]> {
  return database(env.DB).select().from(filterHealth).where(eq(filterHealth.state, "running")).all();
}

/** The newest audit of `filter` (any state), or null. */
export async function latestAudit(env: Env, filter: string): Promise<HealthRow | null> {
  const row = await database(env.DB)
    .select()
    .from(filterHealth)
    .where(eq(filterHealth.filter, filter))
    .orderBy(desc(filterHealth.started_at))
    .get();
  return row ?? null;
}

/** The API shape of a row: a failed audit's reason moves from `figures` to `error`. */
export function toHealthPoint(row: HealthRow): FilterHealthPoint {
  const stored = row.figures as { error?: string } | null;
  const failed = row.state === "failed";
  return filterHealthPointSchema.parse({
    ...row,
    figures: failed || row.state === "running" ? null : stored,
    error: failed ? (stored?.error ?? "the audit failed") : null,
  });
}

/** The filter's audits, newest first. */
export async function healthSeries(env: Env, filter: string, limit: number): Promise<FilterHealthPoint[]> {
  const rows = await database(env.DB)
    .select()
    .from(filterHealth)
    .where(and(eq(filterHealth.filter, filter)))
    .orderBy(desc(filterHealth.started_at))
    .limit(limit)
    .all();
  return rows.map(toHealthPoint);
}
