/**
 * @module
 * The prefilter stage of an oracle job: before anything is paid, each selected article goes through
 * its filter version's prefilter. Decisions are stored in `prefilter_results` (one row per article
 * and filter version), so a later job, a sample walk or an export reads them instead of recomputing,
 * and every article a job names ends up labelled, failed with a reason, or blocked by a named rule.
 */
import { compilePrefilter, type FilterPackage, type PrefilterDecision } from "@distillery/shared";
import { and, eq, inArray } from "drizzle-orm";
import { database, nowIso } from "../db/client";
import { prefilterResults } from "../db/schema";
import type { Env } from "../env";
import { loadArticleTexts } from "./store";

const LOOKUP_CHUNK = 90;
const INSERT_CHUNK = 500;

/**
 * The prefilter decision of `filter` on each of `ids` that exists, from storage or computed now
 * (and then stored).
 * @example
 * const decisions = await prefilterArticles(env, filter, ids);
 * const passed = ids.filter((id) => decisions.get(id)?.pass);
 */
export async function prefilterArticles(
  env: Env,
  filter: FilterPackage,
  ids: readonly string[],
): Promise<Map<string, PrefilterDecision>> {
  const db = database(env.DB);
  const decisions = new Map<string, PrefilterDecision>();
  for (let i = 0; i < ids.length; i += LOOKUP_CHUNK) {
    const rows = await db
      .select()
      .from(prefilterResults)
      .where(
        and(
          eq(prefilterResults.filter, filter.name),
          eq(prefilterResults.filter_version, filter.version),
          inArray(prefilterResults.article_id, ids.slice(i, i + LOOKUP_CHUNK)),
        ),
      )
      .all();
    for (const row of rows)
      decisions.set(row.article_id, { pass: row.pass, rule: row.rule, detail: row.detail });
  }
  const missing = ids.filter((id) => !decisions.has(id));
  if (missing.length === 0) return decisions;
  const prefilter = compilePrefilter(filter);
  const fresh: { article_id: string; pass: number; rule: string; detail: string }[] = [];
  for (let i = 0; i < missing.length; i += INSERT_CHUNK) {
    const texts = await loadArticleTexts(env, missing.slice(i, i + INSERT_CHUNK));
    for (const [id, text] of texts) {
      const decision = prefilter(text);
      decisions.set(id, decision);
      fresh.push({
        article_id: id,
        pass: decision.pass ? 1 : 0,
        rule: decision.rule,
        detail: decision.detail.slice(0, 200),
      });
    }
  }
  for (let i = 0; i < fresh.length; i += INSERT_CHUNK) {
    await env.DB.prepare(
      `INSERT INTO prefilter_results (article_id, filter, filter_version, pass, rule, detail, created_at)
       SELECT json_extract(value, '$.article_id'), ?1, ?2, json_extract(value, '$.pass'), json_extract(value, '$.rule'),
              json_extract(value, '$.detail'), ?3
       FROM json_each(?4) WHERE true ON CONFLICT DO NOTHING`,
    )
      .bind(filter.name, filter.version, nowIso(), JSON.stringify(fresh.slice(i, i + INSERT_CHUNK)))
      .run();
  }
  return decisions;
}
