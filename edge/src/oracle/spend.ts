/**
 * @module
 * What the oracle has cost: every item with at least one call, summed by day (of its last update),
 * filter, provider and model — failed calls included, since they are paid for — against the daily
 * budget. Thinking tokens are part of the output tokens (billed as output) and also shown apart.
 *
 * @example
 * const report = await oracleSpend(env, { filter: "ai-policy", since: "2026-11-01" });
 */
import type { SpendReport } from "@distillery/shared";
import { and, eq, gte, lte, type SQL, sql } from "drizzle-orm";
import { edgeConfig } from "../config";
import { database } from "../db/client";
import { oracleItems, oracleJobs } from "../db/schema";
import type { Env } from "../env";

/** Spend rows by day, filter, provider and model, their total, and the configured daily budget. */
export async function oracleSpend(
  env: Env,
  query: { filter?: string; since?: string; until?: string },
): Promise<SpendReport> {
  const conditions: SQL[] = [sql`${oracleItems.attempts} > 0`];
  if (query.filter) conditions.push(eq(oracleItems.filter, query.filter));
  if (query.since) conditions.push(gte(oracleItems.updated_at, query.since));
  if (query.until) conditions.push(lte(oracleItems.updated_at, query.until));
  const day = sql<string>`substr(${oracleItems.updated_at}, 1, 10)`;
  const rows = await database(env.DB)
    .select({
      day,
      filter: oracleItems.filter,
      provider: sql<"gemini" | "openai">`coalesce(${oracleJobs.provider}, 'gemini')`,
      model: oracleItems.model,
      calls: sql<number>`sum(${oracleItems.attempts})`,
      input_tokens: sql<number>`sum(${oracleItems.tokens_input})`,
      cached_tokens: sql<number>`sum(${oracleItems.tokens_cached})`,
      output_tokens: sql<number>`sum(${oracleItems.tokens_output})`,
      thinking_tokens: sql<number>`sum(${oracleItems.tokens_thinking})`,
      usd: sql<number>`sum(${oracleItems.cost_usd})`,
    })
    .from(oracleItems)
    .leftJoin(oracleJobs, eq(oracleJobs.job_id, oracleItems.job_id))
    .where(and(...conditions))
    .groupBy(day, oracleItems.filter, oracleJobs.provider, oracleItems.model)
    .orderBy(day, oracleItems.filter, oracleJobs.provider, oracleItems.model)
    .all();
  const total = rows.reduce((sum, row) => sum + row.usd, 0);
  const budget = edgeConfig(env).ORACLE_DAILY_BUDGET_USD;
  return { rows, total_usd: Math.round(total * 1e8) / 1e8, budget_usd_per_day: budget };
}
