/**
 * @module
 * Batch Mode's rows in D1, written in bulk so a file batch of thousands of articles costs a handful of
 * statements: each article's label-key claim (held for the batch's lifetime), the `oracle_batches`
 * row, and the batch's name on each item. The item column, not the row's `article_ids` JSON, says
 * which articles a batch carries: 10,000 ids would not fit in one D1 value (2 MB).
 */
import { nowIso } from "../db/client";
import type { Env } from "../env";
import type { OracleJobRow } from "./store";

/** Gemini keeps a batch for up to 48 hours; a claim outlives it. */
const BATCH_CLAIM_MS = 50 * 3_600_000;
/** Ids per JSON parameter: about 150 KB, well under D1's per-value limit. */
const IDS_PER_STATEMENT = 5_000;
/** How long one cron run may ingest a finished batch before another run may take it over. */
const INGEST_LEASE_MS = 14 * 60_000;
/** An `oracle_batches.state` of ours: results being recorded; `finished_at` holds the lease's end meanwhile. */
export const INGESTING = "ingesting";

export function claimIdFor(batchName: string) {
  return `batch:${batchName}`;
}

function chunks(ids: readonly string[]): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < ids.length; i += IDS_PER_STATEMENT) out.push(ids.slice(i, i + IDS_PER_STATEMENT));
  return out;
}

/**
 * Claims the articles' label keys for batch `name` (the statement of `claimKey` in store.ts, for many
 * ids at once; keep the two in step), records the batch and tags its items. */
export async function registerBatch(
  env: Env,
  row: OracleJobRow,
  batch: { name: string; state: string; ids: readonly string[]; inlineIds: readonly string[] },
) {
  const expiresAt = new Date(Date.now() + BATCH_CLAIM_MS).toISOString();
  const statements: D1PreparedStatement[] = [];
  for (const part of chunks(batch.ids)) {
    const json = JSON.stringify(part);
    statements.push(
      env.DB.prepare(
        `INSERT INTO oracle_claims (article_id, filter, filter_version, prompt_hash, provider, model, job_id, claim_id, expires_at)
         SELECT value, ?2, ?3, ?4, ?9, ?10, ?5, ?6, ?7 FROM json_each(?1) WHERE true
         ON CONFLICT (article_id, filter, filter_version, prompt_hash, provider, model) DO UPDATE
           SET job_id = excluded.job_id, claim_id = excluded.claim_id, expires_at = excluded.expires_at
           WHERE oracle_claims.expires_at < ?8`,
      ).bind(
        json,
        row.filter,
        row.filter_version,
        row.prompt_hash,
        row.job_id,
        claimIdFor(batch.name),
        expiresAt,
        nowIso(),
        row.provider,
        row.model,
      ),
      env.DB.prepare(
        "UPDATE oracle_items SET batch_name = ?1 WHERE job_id = ?2 AND article_id IN (SELECT value FROM json_each(?3))",
      ).bind(batch.name, row.job_id, json),
    );
  }
  statements.push(
    env.DB.prepare(
      "INSERT INTO oracle_batches (name, job_id, state, article_ids) VALUES (?1, ?2, ?3, ?4)",
    ).bind(batch.name, row.job_id, batch.state, JSON.stringify(batch.inlineIds)),
  );
  await env.DB.batch(statements);
}

/** Fails pending items that were never sent (upload refused, article gone) with `code`. */
export async function failUnsent(
  env: Env,
  jobId: string,
  ids: readonly string[],
  failure: { code: string; message: string },
) {
  for (const part of chunks(ids)) {
    await env.DB.prepare(
      `UPDATE oracle_items SET state = 'failed', reason = ?1, message = ?2, attempts = attempts + 1, updated_at = ?3
       WHERE job_id = ?4 AND state = 'pending' AND article_id IN (SELECT value FROM json_each(?5))`,
    )
      .bind(failure.code, failure.message, nowIso(), jobId, JSON.stringify(part))
      .run();
  }
}

/**
 * Records an input file that could not be uploaded or submitted on each of its articles
 * (`oracle.batch_upload_failed`, counted in the job's failures) instead of throwing: the job's other
 * files are independent and may still go through. Both providers' file paths use it.
 */
export async function failUnsubmittedFile(
  env: Env,
  jobId: string,
  file: { ids: readonly string[]; displayName: string },
  error: unknown,
) {
  console.error(`oracle batch file ${file.displayName} not submitted`, error);
  await failUnsent(env, jobId, file.ids, {
    code: "oracle.batch_upload_failed",
    message: `input file ${file.displayName} not submitted: ${(error as Error).message}`.slice(0, 500),
  });
}

/** The batch's articles still pending (the ones its results have not answered yet). */
export async function pendingOfBatch(env: Env, jobId: string, batchName: string): Promise<Set<string>> {
  const { results } = await env.DB.prepare(
    "SELECT article_id FROM oracle_items WHERE job_id = ?1 AND batch_name = ?2 AND state = 'pending'",
  )
    .bind(jobId, batchName)
    .all<{ article_id: string }>();
  return new Set(results.map((r) => r.article_id));
}

/**
 * Takes the right to ingest a finished batch (true when this run holds it): only one cron run records
 * a batch's outcomes at a time, and one that died mid-way is taken over once its lease ends.
 */
export async function leaseIngest(
  env: Env,
  batchName: string,
  openStates: readonly string[],
): Promise<boolean> {
  const now = nowIso();
  const row = await env.DB.prepare(
    `UPDATE oracle_batches SET state = ?1, finished_at = ?2
     WHERE name = ?3 AND (state IN (SELECT value FROM json_each(?4)) OR (state = ?1 AND finished_at < ?5)
       OR (finished_at IS NULL AND state LIKE 'JOB_STATE_%'))
     RETURNING name`,
  )
    .bind(
      INGESTING,
      new Date(Date.now() + INGEST_LEASE_MS).toISOString(),
      batchName,
      JSON.stringify(openStates),
      now,
    )
    .first<{ name: string }>();
  return row?.name === batchName;
}

/** Gives up an ingest lease after an error: the batch is open to the next run, in its end `state`. */
export async function releaseIngest(env: Env, batchName: string, state: string) {
  await env.DB.prepare(
    "UPDATE oracle_batches SET state = ?1, finished_at = NULL WHERE name = ?2 AND state = ?3",
  )
    .bind(state, batchName, INGESTING)
    .run();
}

/** Open batches, finished ones whose ingest stopped on an error, and those whose ingest lease ran out. */
export async function batchesToPoll(env: Env, openStates: readonly string[]) {
  const { results } = await env.DB.prepare(
    `SELECT name, job_id, state FROM oracle_batches
     WHERE state IN (SELECT value FROM json_each(?1)) OR (state = ?2 AND finished_at < ?3)
       OR (finished_at IS NULL AND state LIKE 'JOB_STATE_%')`,
  )
    .bind(JSON.stringify(openStates), INGESTING, nowIso())
    .all<{ name: string; job_id: string; state: string }>();
  return results;
}
