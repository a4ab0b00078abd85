/**
 * @module
 * Labels a bake-off may reuse: a first ask of an article the oracle already labelled (same filter
 * version, prompt hash, provider and model in `oracle_labels`) takes that label, at its recorded
 * cost, instead of a call. Reading only: bake-off answers are never written to `oracle_labels`.
 */
import type { FilterPackage } from "@distillery/shared";
import { and, eq, inArray } from "drizzle-orm";
import { database } from "../db/client";
import { oracleLabels } from "../db/schema";
import type { Env } from "../env";
import type { BakeoffOracleRow, NewItem } from "./store";

type Reused = Pick<
  NewItem,
  | "scores"
  | "categories"
  | "overall"
  | "tier"
  | "tokens_input"
  | "tokens_output"
  | "tokens_thinking"
  | "cost_usd"
>;

/** Of `ids`, the articles this oracle has a label for, as item fields. */
export async function reusableLabels(
  env: Env,
  filter: Pick<FilterPackage, "name" | "version">,
  oracle: BakeoffOracleRow,
  ids: readonly string[],
): Promise<Map<string, Reused>> {
  const found = new Map<string, Reused>();
  for (let i = 0; i < ids.length; i += 90) {
    const rows = await database(env.DB)
      .select()
      .from(oracleLabels)
      .where(
        and(
          eq(oracleLabels.filter, filter.name),
          eq(oracleLabels.filter_version, filter.version),
          eq(oracleLabels.prompt_hash, oracle.prompt_hash),
          eq(oracleLabels.provider, oracle.provider),
          eq(oracleLabels.model, oracle.model),
          inArray(oracleLabels.article_id, ids.slice(i, i + 90)),
        ),
      )
      .all();
    for (const row of rows) {
      const scores = row.scores as Record<string, { score: number }>;
      found.set(row.article_id, {
        scores: Object.fromEntries(Object.entries(scores).map(([key, value]) => [key, value.score])),
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
