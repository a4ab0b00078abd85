/**
 * @module
 * Reading stored labels by their key (filter, version, prompt hash, provider, model): the oracle
 * stage skips what is labelled, a bake-off reuses a label instead of paying again, and a drift audit
 * reads what its oracle job stored. One place for the key's conditions, so no reader can match a
 * label of another oracle or prompt.
 */
import { and, eq, inArray } from "drizzle-orm";
import { database } from "../db/client";
import { oracleLabels } from "../db/schema";
import type { Env } from "../env";
import type { LabelKey } from "./store";

/** A label key without its article: what every label of one oracle on one filter version shares. */
export type OracleLabelKey = Omit<LabelKey, "article_id">;

/** D1 allows 100 bound parameters; the key takes five. */
const IDS_PER_QUERY = 90;

/** The WHERE conditions of a label key (extra conditions are ANDed on). */
export function labelKeyConditions(key: OracleLabelKey) {
  return [
    eq(oracleLabels.filter, key.filter),
    eq(oracleLabels.filter_version, key.filter_version),
    eq(oracleLabels.prompt_hash, key.prompt_hash),
    eq(oracleLabels.provider, key.provider),
    eq(oracleLabels.model, key.model),
  ];
}

/** Per dimension, its score: the stored answer keeps each score beside its reasoning. */
export function scoreValues(answer: Record<string, { score: number }>): Record<string, number> {
  return Object.fromEntries(Object.entries(answer).map(([dimension, value]) => [dimension, value.score]));
}

/** A stored label as its readers use it: scores by dimension, categories, tier and what it cost. */
export type StoredLabel = Pick<
  typeof oracleLabels.$inferSelect,
  "overall" | "tier" | "tokens_input" | "tokens_output" | "tokens_thinking" | "cost_usd"
> & { scores: Record<string, number>; categories: Record<string, string> };

/** Of `ids`, the labels this oracle stored under this key, by article id. */
export async function labelsFor(
  env: Env,
  key: OracleLabelKey,
  ids: readonly string[],
): Promise<Map<string, StoredLabel>> {
  const found = new Map<string, StoredLabel>();
  for (let i = 0; i < ids.length; i += IDS_PER_QUERY) {
    const rows = await database(env.DB)
      .select()
      .from(oracleLabels)
      .where(
        and(...labelKeyConditions(key), inArray(oracleLabels.article_id, ids.slice(i, i + IDS_PER_QUERY))),
      )
      .all();
    for (const row of rows) {
      found.set(row.article_id, {
        scores: scoreValues(row.scores as Record<string, { score: number }>),
        categories: row.categories as Record<string, string>,
        overall: row.overall,
        tier: row.tier,
        tokens_input: row.tokens_input,
        tokens_output: row.tokens_output,
        tokens_thinking: row.tokens_thinking,
        cost_usd: row.cost_usd,
      });
    }
  }
  return found;
}

/** Of `ids`, those this oracle has a label for under this key. */
export async function labelledIds(
  env: Env,
  key: OracleLabelKey,
  ids: readonly string[],
): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < ids.length; i += IDS_PER_QUERY) {
    const rows = await database(env.DB)
      .select({ id: oracleLabels.article_id })
      .from(oracleLabels)
      .where(
        and(...labelKeyConditions(key), inArray(oracleLabels.article_id, ids.slice(i, i + IDS_PER_QUERY))),
      )
      .all();
    for (const row of rows) found.add(row.id);
  }
  return found;
}
