/**
 * @module
 * What the promoted model scored in a period: its newest scoring-job (`infer`) prediction per article
 * created in `[from, to)`. Eval predictions (test splits) and articles a cascade handed to the oracle
 * are not the model's production scores, so they are left out. A period holds at most
 * `MAX_PERIOD_ARTICLES` (the newest): enough for a sample and a distribution, bounded for a cron.
 */
import { seededRandom } from "@distillery/shared";
import { and, desc, eq, gte, isNull, lt, or } from "drizzle-orm";
import { database } from "../db/client";
import { jobs, predictions } from "../db/schema";
import type { Env } from "../env";

export const MAX_PERIOD_ARTICLES = 20_000;

export type PeriodPrediction = {
  article_id: string;
  scores: Record<string, number>;
  categories: Record<string, string> | undefined;
};

export async function periodPredictions(
  env: Env,
  scope: { filter: string; model_id: string; from: string; to: string },
): Promise<PeriodPrediction[]> {
  const rows = await database(env.DB)
    .select({
      article_id: predictions.article_id,
      scores: predictions.scores,
      categories: predictions.categories,
    })
    .from(predictions)
    .innerJoin(jobs, eq(jobs.id, predictions.job_id))
    .where(
      and(
        eq(predictions.filter, scope.filter),
        eq(predictions.model_id, scope.model_id),
        eq(jobs.kind, "infer"),
        or(isNull(predictions.source), eq(predictions.source, "student")),
        gte(predictions.created_at, scope.from),
        lt(predictions.created_at, scope.to),
      ),
    )
    .orderBy(desc(predictions.created_at))
    .limit(MAX_PERIOD_ARTICLES * 2)
    .all();
  const newest = new Map<string, PeriodPrediction>();
  for (const row of rows) {
    if (newest.has(row.article_id) || newest.size >= MAX_PERIOD_ARTICLES) continue;
    newest.set(row.article_id, {
      article_id: row.article_id,
      scores: row.scores as Record<string, number>,
      categories: (row.categories as Record<string, string> | null) ?? undefined,
    });
  }
  return [...newest.values()];
}

/** A number seed from an id (FNV-1a), so an audit's draws are reproducible from its id. */
export function seedOf(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** `count` of `items` drawn without replacement, in an order fixed by `seed`. */
export function drawSample<T>(items: readonly T[], count: number, seed: number): T[] {
  const random = seededRandom(seed);
  const pool = [...items];
  for (let i = pool.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, count);
}
