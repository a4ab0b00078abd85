/**
 * @module
 * The oracle stage's rows in D1: filters and article texts it reads; items, claims and labels it
 * writes. A label key (article, filter, version, prompt hash, provider, model) is claimed before the
 * oracle is called and
 * the label is inserted with ON CONFLICT DO NOTHING: a duplicated queue delivery or a rerun finds
 * the label (or a live claim) and never pays again. A claim left by a consumer that died expires,
 * so the article is taken over, not lost.
 */
import {
  type ArticleText,
  type FilterPackage,
  type LabelSelection,
  postfilter,
  type ResolvedOracle,
  resolveOracle,
} from "@distillery/shared";
import { and, eq, inArray, sql } from "drizzle-orm";
import { database, nowIso } from "../db/client";
import { articles, oracleItems, oracleJobs } from "../db/schema";
import type { Env } from "../env";
import type { OracleCallResult } from "./call";
import { scoreValues } from "./label-reader";

export type LabelKey = {
  article_id: string;
  filter: string;
  filter_version: number;
  prompt_hash: string;
  provider: ResolvedOracle["provider"];
  model: string;
};
export type OracleJobRow = typeof oracleJobs.$inferSelect;

/** The label key of `articleId` in this job. */
export function labelKey(row: OracleJobRow, articleId: string): LabelKey {
  const { filter, filter_version, prompt_hash, provider, model } = row;
  return { article_id: articleId, filter, filter_version, prompt_hash, provider, model };
}

/**
 * The oracle this job calls, as it was resolved at its start (a job created before thinking settings
 * were stored gets the filter's defaults for its model).
 */
export function rowOracle(row: OracleJobRow, filter: FilterPackage): ResolvedOracle {
  const resolved = resolveOracle(filter, { provider: row.provider, model: row.model });
  if (row.max_output_tokens === null) return resolved;
  return { ...resolved, thinking: row.thinking ?? null, max_output_tokens: row.max_output_tokens };
}

/** Title, body (from R2 when stored there), language, source and URL of each article id found. */
export async function loadArticleTexts(env: Env, ids: readonly string[]): Promise<Map<string, ArticleText>> {
  const db = database(env.DB);
  const out = new Map<string, ArticleText>();
  for (let i = 0; i < ids.length; i += 90) {
    const rows = await db
      .select()
      .from(articles)
      .where(inArray(articles.id, ids.slice(i, i + 90)))
      .all();
    for (const row of rows) {
      let body = row.body ?? "";
      if (row.body_key) body = (await (await env.BUCKET.get(row.body_key))?.text()) ?? "";
      out.set(row.id, { title: row.title, body, language: row.language, source: row.source, url: row.url });
    }
  }
  return out;
}

/** Inserts items in chunks with one JSON parameter each (D1 allows 100 bound parameters). */
export async function insertItems(
  env: Env,
  job: OracleJobRow,
  items: {
    article_id: string;
    state: "pending" | "skipped";
    reason: string | null;
    /** How the article was chosen; its label inherits it. */
    selection: LabelSelection;
  }[],
) {
  for (let i = 0; i < items.length; i += 500) {
    await env.DB.prepare(
      `INSERT INTO oracle_items (job_id, article_id, filter, model, state, reason, selection)
       SELECT ?1, json_extract(value, '$.article_id'), ?2, ?3, json_extract(value, '$.state'), json_extract(value, '$.reason'),
         json_extract(value, '$.selection')
       FROM json_each(?4) WHERE true ON CONFLICT DO NOTHING`,
    )
      .bind(job.job_id, job.filter, job.model, JSON.stringify(items.slice(i, i + 500)))
      .run();
  }
}

/**
 * Claims a label key for `claimId` until `expiresAt`; true when this caller holds it (a new claim,
 * or one taken over after it expired).
 */
export async function claimKey(env: Env, key: LabelKey, jobId: string, claimId: string, expiresAt: string) {
  const row = await env.DB.prepare(
    `INSERT INTO oracle_claims (article_id, filter, filter_version, prompt_hash, provider, model, job_id, claim_id, expires_at)
     VALUES (?1, ?2, ?3, ?4, ?9, ?10, ?5, ?6, ?7)
     ON CONFLICT (article_id, filter, filter_version, prompt_hash, provider, model) DO UPDATE
       SET job_id = excluded.job_id, claim_id = excluded.claim_id, expires_at = excluded.expires_at
       WHERE oracle_claims.expires_at < ?8
     RETURNING claim_id`,
  )
    .bind(
      key.article_id,
      key.filter,
      key.filter_version,
      key.prompt_hash,
      jobId,
      claimId,
      expiresAt,
      nowIso(),
      key.provider,
      key.model,
    )
    .first<{ claim_id: string }>();
  return row?.claim_id === claimId;
}

/**
 * Holds `usd` of the job's budget for the call behind claim `claimId`, in one statement, only if what
 * the job has spent (its items' costs), what its other live claims hold and `usd` together stay
 * within the cap. D1 runs one statement at a time, so any number of consumers cannot overshoot it
 * together. True when the reservation was made.
 */
export async function reserveBudget(env: Env, jobId: string, claimId: string, usd: number): Promise<boolean> {
  const row = await env.DB.prepare(
    `UPDATE oracle_claims SET reserved_usd = ?3
     WHERE claim_id = ?2 AND job_id = ?1
       AND (SELECT coalesce(sum(cost_usd), 0) FROM oracle_items WHERE job_id = ?1)
         + (SELECT coalesce(sum(reserved_usd), 0) FROM oracle_claims
            WHERE job_id = ?1 AND claim_id != ?2 AND expires_at >= ?4)
         + ?3 <= (SELECT budget_usd FROM oracle_jobs WHERE job_id = ?1)
     RETURNING claim_id`,
  )
    .bind(jobId, claimId, usd, nowIso())
    .first<{ claim_id: string }>();
  return row?.claim_id === claimId;
}

/** What the job's live claims hold of its budget (calls in flight). */
export async function reservedUsd(env: Env, jobId: string): Promise<number> {
  const row = await env.DB.prepare(
    "SELECT coalesce(sum(reserved_usd), 0) AS usd FROM oracle_claims WHERE job_id = ?1 AND expires_at >= ?2",
  )
    .bind(jobId, nowIso())
    .first<{ usd: number }>();
  return row?.usd ?? 0;
}

/** Gives up a claim (and the budget it holds) without an outcome: the call was not made or threw. */
export async function releaseClaim(env: Env, key: LabelKey, claimId: string): Promise<void> {
  await releaseStatement(env, key, claimId).run();
}

/** Fails a still-pending item with a reason (its message could not be worked on). */
export async function failPendingItem(
  env: Env,
  jobId: string,
  articleId: string,
  failure: { code: string; message: string },
): Promise<void> {
  await database(env.DB)
    .update(oracleItems)
    .set({ state: "failed", reason: failure.code, message: failure.message, updated_at: nowIso() })
    .where(
      and(
        eq(oracleItems.job_id, jobId),
        eq(oracleItems.article_id, articleId),
        eq(oracleItems.state, "pending"),
      ),
    )
    .run();
}

function releaseStatement(env: Env, key: LabelKey, claimId: string) {
  return env.DB.prepare(
    `DELETE FROM oracle_claims WHERE article_id = ?1 AND filter = ?2 AND filter_version = ?3 AND prompt_hash = ?4
       AND provider = ?6 AND model = ?7 AND claim_id = ?5`,
  ).bind(key.article_id, key.filter, key.filter_version, key.prompt_hash, claimId, key.provider, key.model);
}

export type Outcome = {
  filter: FilterPackage;
  key: LabelKey;
  jobId: string;
  claimId: string;
  mode: "interactive" | "batch";
  result: OracleCallResult;
};

/**
 * Stores the outcome of one call in one D1 batch: label (never twice), item with the call's actual
 * cost (a billed failure counts too), claim released with the budget it held.
 */
export async function recordOutcome(env: Env, options: Outcome) {
  await env.DB.batch(outcomeStatements(env, options));
}

/** Outcomes recorded together per D1 batch: one round trip instead of one each (Batch Mode ingests thousands). */
const OUTCOMES_PER_BATCH = 50;

/**
 * Stores many outcomes, `OUTCOMES_PER_BATCH` per D1 batch. Each outcome's statements are the same as
 * `recordOutcome`'s, so each stays idempotent on its own.
 */
export async function recordOutcomes(env: Env, outcomes: readonly Outcome[]) {
  for (let i = 0; i < outcomes.length; i += OUTCOMES_PER_BATCH) {
    await env.DB.batch(outcomes.slice(i, i + OUTCOMES_PER_BATCH).flatMap((o) => outcomeStatements(env, o)));
  }
}

function outcomeStatements(env: Env, options: Outcome): D1PreparedStatement[] {
  const { filter, key, jobId, claimId, mode, result } = options;
  const statements: D1PreparedStatement[] = [];
  const now = nowIso();
  if (result.ok) {
    const scores = scoreValues(result.scores);
    const { overall, tier } = postfilter(filter, scores, result.categories);
    statements.push(
      env.DB.prepare(
        `INSERT INTO oracle_labels (article_id, filter, filter_version, prompt_hash, provider, model, mode, scores,
           categories, overall, tier, tokens_input, tokens_cached, tokens_output, tokens_thinking, cost_usd,
           latency_ms, attempts, job_id, created_at, selection)
         VALUES (?1, ?2, ?3, ?4, ?19, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?20, ?14, ?15, ?16, ?17, ?18,
           coalesce((SELECT selection FROM oracle_items WHERE job_id = ?17 AND article_id = ?1), 'unknown'))
         ON CONFLICT DO NOTHING`,
      ).bind(
        key.article_id,
        key.filter,
        key.filter_version,
        key.prompt_hash,
        key.model,
        mode,
        JSON.stringify(result.scores),
        JSON.stringify(result.categories),
        overall,
        tier,
        result.tokens.input,
        result.tokens.cached,
        result.tokens.output,
        result.cost_usd,
        result.latency_ms,
        result.attempts,
        jobId,
        now,
        key.provider,
        result.tokens.thinking,
      ),
    );
  }
  statements.push(
    env.DB.prepare(
      `UPDATE oracle_items SET state = ?1, reason = ?2, message = ?3, attempts = attempts + ?4,
         tokens_input = tokens_input + ?5, tokens_cached = tokens_cached + ?6, tokens_output = tokens_output + ?7,
         cost_usd = cost_usd + ?8, updated_at = ?9, tokens_thinking = tokens_thinking + ?12,
         truncations = truncations + ?13
       WHERE job_id = ?10 AND article_id = ?11`,
    ).bind(
      result.ok ? "labelled" : "failed",
      result.ok ? null : result.code,
      result.ok ? null : result.message,
      result.attempts,
      result.tokens.input,
      result.tokens.cached,
      result.tokens.output,
      result.cost_usd,
      now,
      jobId,
      key.article_id,
      result.tokens.thinking,
      result.truncations,
    ),
    releaseStatement(env, key, claimId),
  );
  return statements;
}

/** Marks an item skipped because its key already has a label. */
export async function markSkipped(env: Env, jobId: string, articleId: string) {
  await database(env.DB)
    .update(oracleItems)
    .set({ state: "skipped", reason: "already_labelled", updated_at: nowIso() })
    .where(and(eq(oracleItems.job_id, jobId), eq(oracleItems.article_id, articleId)))
    .run();
}

export type ItemCounts = {
  labelled: number;
  skipped: number;
  failed: number;
  pending: number;
  failed_by_reason: Record<string, number>;
  /** `already_labelled`, or `prefilter:<rule>` for articles the prefilter blocked. */
  skipped_by_reason: Record<string, number>;
  blocked_by_prefilter: number;
  spent_usd: number;
  output_tokens: number;
  thinking_tokens: number;
  truncated_answers: number;
};

/** Skip reason of an article the prefilter blocked: `prefilter:<rule>`. */
export const PREFILTER_REASON_PREFIX = "prefilter:";

/** Counts of a job's items by state (failures and skips by reason) and what the job has spent. */
export async function itemCounts(env: Env, jobId: string): Promise<ItemCounts> {
  const rows = await database(env.DB)
    .select({
      state: oracleItems.state,
      reason: oracleItems.reason,
      n: sql<number>`count(*)`,
      usd: sql<number>`coalesce(sum(${oracleItems.cost_usd}), 0)`,
      output: sql<number>`coalesce(sum(${oracleItems.tokens_output}), 0)`,
      thinking: sql<number>`coalesce(sum(${oracleItems.tokens_thinking}), 0)`,
      truncations: sql<number>`coalesce(sum(${oracleItems.truncations}), 0)`,
    })
    .from(oracleItems)
    .where(eq(oracleItems.job_id, jobId))
    .groupBy(oracleItems.state, oracleItems.reason)
    .all();
  const counts: ItemCounts = {
    labelled: 0,
    skipped: 0,
    failed: 0,
    pending: 0,
    failed_by_reason: {},
    skipped_by_reason: {},
    blocked_by_prefilter: 0,
    spent_usd: 0,
    output_tokens: 0,
    thinking_tokens: 0,
    truncated_answers: 0,
  };
  for (const row of rows) {
    counts[row.state] += row.n;
    counts.spent_usd += row.usd;
    counts.output_tokens += row.output;
    counts.thinking_tokens += row.thinking;
    counts.truncated_answers += row.truncations;
    if (row.state === "failed") counts.failed_by_reason[row.reason ?? "unknown"] = row.n;
    if (row.state === "skipped") {
      counts.skipped_by_reason[row.reason ?? "unknown"] = row.n;
      if (row.reason?.startsWith(PREFILTER_REASON_PREFIX)) counts.blocked_by_prefilter += row.n;
    }
  }
  counts.spent_usd = Math.round(counts.spent_usd * 1e8) / 1e8;
  return counts;
}

export async function getOracleJob(env: Env, jobId: string): Promise<OracleJobRow | undefined> {
  return database(env.DB).select().from(oracleJobs).where(eq(oracleJobs.job_id, jobId)).get();
}
