/**
 * @module
 * The oracle asked again about articles it labelled before the audit started, for its agreement with
 * itself: a changed oracle (a new model version behind the same name, a drifting provider) shows here
 * before it skews new labels. As in a bake-off's second ask, the answers are compared and kept in the
 * audit's figures only, never written to `oracle_labels`, so they cannot reach datasets. The calls go
 * through `callOracle` and the shared rate limiter; a call starts only while the audit's spend is
 * under its budget.
 */
import type { FilterPackage, ScoredPair } from "@distillery/shared";
import { and, desc, lt } from "drizzle-orm";
import { database } from "../db/client";
import { oracleLabels } from "../db/schema";
import type { Env } from "../env";
import { callOracle } from "../oracle/call";
import { limiterGate, oracleSettings, oracleTransport } from "../oracle/config";
import { priceFor } from "../oracle/cost";
import { labelKeyConditions, scoreValues } from "../oracle/label-reader";
import { loadArticleTexts, type OracleJobRow, rowOracle } from "../oracle/store";
import { drawSample } from "./predictions";

/** Earlier labels a re-ask draws from: the newest this many. */
const REASK_POOL = 500;

export type Reask = {
  pairs: ScoredPair[];
  cost_usd: number;
  /** Why `pairs` is empty, when it is. */
  reason: string | null;
};

type StoredScores = Record<string, { score: number }>;

export async function reaskEarlierLabels(
  env: Env,
  options: {
    filter: FilterPackage;
    /** The audit's oracle job: its label key is the one re-asked. */
    job: OracleJobRow;
    before: string;
    count: number;
    seed: number;
    budgetLeftUsd: number;
  },
): Promise<Reask> {
  const { filter, job } = options;
  if (options.count === 0) return { pairs: [], cost_usd: 0, reason: "re-asking is off (audit.reask: 0)" };
  const pool = await database(env.DB)
    .select({
      article_id: oracleLabels.article_id,
      scores: oracleLabels.scores,
      categories: oracleLabels.categories,
    })
    .from(oracleLabels)
    .where(and(...labelKeyConditions(job), lt(oracleLabels.created_at, options.before)))
    .orderBy(desc(oracleLabels.created_at))
    .limit(REASK_POOL)
    .all();
  if (pool.length === 0) {
    return {
      pairs: [],
      cost_usd: 0,
      reason: `${job.model} had labelled no article of this filter version before the audit`,
    };
  }
  const chosen = drawSample(pool, options.count, options.seed);
  const texts = await loadArticleTexts(
    env,
    chosen.map((label) => label.article_id),
  );
  const settings = oracleSettings(env);
  const oracle = rowOracle(job, filter);
  const price = priceFor(settings.prices, oracle.model);
  const pairs: ScoredPair[] = [];
  const failures: string[] = [];
  let spent = 0;
  for (const label of chosen) {
    const article = texts.get(label.article_id);
    if (!article || spent >= options.budgetLeftUsd) continue;
    const result = await callOracle({
      transport: oracleTransport(settings, oracle.provider),
      filter,
      article,
      oracle,
      price,
      beforeAttempt: limiterGate(env, settings, oracle.provider),
    });
    spent += result.cost_usd;
    if (!result.ok) {
      failures.push(result.code);
      continue;
    }
    const earlier = label.scores as StoredScores;
    pairs.push({
      oracle: scoreValues(earlier),
      oracleCategories: label.categories as Record<string, string>,
      student: scoreValues(result.scores),
      studentCategories: result.categories,
    });
  }
  const reason =
    pairs.length > 0
      ? null
      : failures.length > 0
        ? `every re-ask failed (${[...new Set(failures)].join(", ")})`
        : "the audit's budget was spent before any re-ask";
  return { pairs, cost_usd: spent, reason };
}
