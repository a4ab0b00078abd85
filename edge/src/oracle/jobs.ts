/**
 * @module
 * Oracle jobs: the starter `createJob` runs (plan, estimate, dry run, items, fan-out to the
 * `distillery-oracle` queue or submission to Gemini Batch Mode), the result a job carries (counts,
 * failures by reason, spend, the stand-in banner), finishing when no item is pending, pausing at the
 * budget cap and resuming when the cap is raised.
 */
import {
  DistilleryError,
  type Job,
  type JobSpec,
  type OracleJobResult,
  type OracleJobSpec,
  promptHash,
} from "@distillery/shared";
import { and, eq, sql } from "drizzle-orm";
import { database } from "../db/client";
import { oracleItems, oracleJobs } from "../db/schema";
import type { Env } from "../env";
import { settleCascadeOfOracleJob } from "../hub/cascade";
import { getJob, transitionJob, updateJobProgress } from "../jobs/index";
import type { JobStarter } from "../jobs/starters";
import { submitBatches } from "./batch";
import { STANDIN_BANNER } from "./client";
import { oracleSettings } from "./config";
import { priceFor } from "./cost";
import { estimateJob, selectArticleIds } from "./plan";
import { prefilterArticles } from "./prefilter";
import {
  getOracleJob,
  insertItems,
  itemCounts,
  labelledIds,
  loadFilter,
  type OracleJobRow,
  PREFILTER_REASON_PREFIX,
} from "./store";

/** The job's result so far: estimate, counts, spend, and why it paused or who answered. */
export async function oracleJobResult(
  env: Env,
  row: OracleJobRow,
  pausedReason?: string,
): Promise<OracleJobResult> {
  const { spent_usd, ...counts } = await itemCounts(env, row.job_id);
  return {
    estimate: row.estimate as OracleJobResult["estimate"],
    budget_usd: row.budget_usd,
    spent_usd,
    ...counts,
    ...(row.uses_standin ? { banner: STANDIN_BANNER } : {}),
    ...(pausedReason ? { paused_reason: pausedReason } : {}),
  };
}

/** Enqueues one message per pending item (duplicates are harmless: each message re-checks). */
export async function enqueuePending(env: Env, jobId: string) {
  const pending = await database(env.DB)
    .select({ id: oracleItems.article_id })
    .from(oracleItems)
    .where(and(eq(oracleItems.job_id, jobId), eq(oracleItems.state, "pending")))
    .all();
  for (let i = 0; i < pending.length; i += 100) {
    await env.ORACLE_QUEUE.sendBatch(
      pending
        .slice(i, i + 100)
        .map((p) => ({ body: { type: "oracle.article" as const, job_id: jobId, article_id: p.id } })),
    );
  }
  return pending.length;
}

/** A running job none of whose items changed for this long has lost its queue messages. */
export const STALLED_JOB_MS = 2 * 60_000;

/**
 * Re-sends the pending items of interactive jobs that have stalled: queue messages can be lost (a
 * local `wrangler dev` reload drops them; a message can exhaust its retries), while the items stay
 * pending. Re-sending is safe: each message re-checks the label key before any call is paid for.
 * The items are touched so a job is re-sent once per stall, not every minute.
 */
export async function requeueStalledJobs(env: Env, now = Date.now()): Promise<string[]> {
  const db = database(env.DB);
  const cutoff = new Date(now - STALLED_JOB_MS).toISOString();
  const jobs = await db
    .select({ job_id: oracleItems.job_id, last: sql<string>`max(${oracleItems.updated_at})` })
    .from(oracleItems)
    .innerJoin(oracleJobs, eq(oracleJobs.job_id, oracleItems.job_id))
    .where(eq(oracleJobs.mode, "interactive"))
    .groupBy(oracleItems.job_id)
    .having(sql`sum(case when ${oracleItems.state} = 'pending' then 1 else 0 end) > 0`)
    .all();
  const requeued: string[] = [];
  for (const { job_id, last } of jobs) {
    if (last >= cutoff || (await getJob(env, job_id)).state !== "running") continue;
    await db
      .update(oracleItems)
      .set({ updated_at: new Date(now).toISOString() })
      .where(and(eq(oracleItems.job_id, job_id), eq(oracleItems.state, "pending")))
      .run();
    await enqueuePending(env, job_id);
    requeued.push(job_id);
  }
  return requeued;
}

/** Ends a running job when nothing is pending; publishes progress otherwise. */
export async function settleJob(env: Env, jobId: string): Promise<void> {
  const row = await getOracleJob(env, jobId);
  const job = await getJob(env, jobId);
  if (!row || job.state !== "running") return;
  const result = await oracleJobResult(env, row);
  const done = result.labelled + result.skipped + result.failed;
  if (result.pending > 0) {
    await updateJobProgress(env, jobId, {
      done,
      total: done + result.pending,
      message: `${result.labelled} labelled, ${result.failed} failed, $${result.spent_usd.toFixed(4)} spent`,
    });
    return;
  }
  await transitionJob(env, jobId, "succeeded", {
    result,
    progress: { done, total: done, message: "finished" },
  }).catch((error: unknown) => {
    if (!(error instanceof DistilleryError && error.status === 409)) throw error;
  });
  await settleCascadeOfOracleJob(env, jobId);
}

/** Pauses a running job at its budget cap (items stay pending; raising the cap resumes them). */
export async function pauseAtBudget(env: Env, row: OracleJobRow) {
  const reason = `budget cap of $${row.budget_usd} reached; raise it with PATCH /v1/jobs/${row.job_id} {"budget_usd": ...}`;
  await transitionJob(env, row.job_id, "paused", { result: await oracleJobResult(env, row, reason) }).catch(
    (error: unknown) => {
      if (!(error instanceof DistilleryError && error.status === 409)) throw error;
    },
  );
  // A cascade does not wait for a raised cap: its scoring job keeps the student's answers for the rest.
  await settleCascadeOfOracleJob(env, row.job_id);
}

/** Sets a new budget cap; a job paused at its cap resumes when the new cap is above what it spent. */
export async function changeBudget(env: Env, jobId: string, budgetUsd: number): Promise<Job> {
  const job = await getJob(env, jobId);
  const row = await getOracleJob(env, jobId);
  if (job.kind !== "oracle" || !row) {
    throw new DistilleryError(
      "job.not_oracle",
      `job ${jobId} is a ${job.kind} job; only oracle jobs have a budget`,
      {
        status: 409,
        details: [{ path: "budget_usd", issue: "not an oracle job" }],
      },
    );
  }
  await database(env.DB)
    .update(oracleJobs)
    .set({ budget_usd: budgetUsd })
    .where(eq(oracleJobs.job_id, jobId))
    .run();
  const updated = { ...row, budget_usd: budgetUsd };
  const { spent_usd } = await itemCounts(env, jobId);
  if (job.state === "paused" && budgetUsd > spent_usd) {
    const resumed = await transitionJob(env, jobId, "running", {
      result: await oracleJobResult(env, updated),
    });
    if (updated.mode === "interactive") await enqueuePending(env, jobId);
    return resumed;
  }
  return job;
}

async function startOracleJob(env: Env, job: Job) {
  const spec = job.spec as OracleJobSpec;
  const settings = oracleSettings(env);
  const filter = await loadFilter(env, spec.filter, spec.filter_version);
  const model = spec.model ?? filter.oracle.model ?? settings.model;
  priceFor(settings.prices, model);
  const hash = await promptHash(filter, model);
  const selected = await selectArticleIds(env, filter, spec.selection, spec.retry_failed_of);
  // A rerun of failures only names articles that passed before; everything else meets the prefilter.
  const decisions = spec.retry_failed_of ? null : await prefilterArticles(env, filter, selected);
  const blocked = decisions ? selected.filter((id) => !decisions.get(id)?.pass) : [];
  const passed = decisions ? selected.filter((id) => decisions.get(id)?.pass) : selected;
  const key = { filter: filter.name, filter_version: filter.version, prompt_hash: hash };
  const labelled = await labelledIds(env, key, passed);
  const toLabel = passed.filter((id) => !labelled.has(id));
  const estimate = await estimateJob(env, {
    filter,
    model,
    mode: spec.mode,
    promptHash: hash,
    selected: selected.length,
    blocked: blocked.length,
    toLabel,
    prices: settings.prices,
    rpm: settings.rpm,
    tpm: settings.tpm,
  });
  const row: OracleJobRow = {
    job_id: job.id,
    filter: filter.name,
    filter_version: filter.version,
    prompt_hash: hash,
    model,
    mode: spec.mode,
    budget_usd: spec.budget_usd,
    uses_standin: !settings.apiKey,
    estimate,
    created_at: job.created_at,
  };
  await transitionJob(env, job.id, "running");
  if (spec.dry_run) {
    await transitionJob(env, job.id, "succeeded", {
      result: { dry_run: true, estimate, ...(row.uses_standin ? { banner: STANDIN_BANNER } : {}) },
      progress: { done: 0, total: 0, message: "dry run: nothing was sent to Gemini" },
    });
    return;
  }
  await database(env.DB).insert(oracleJobs).values(row).run();
  await insertItems(env, row, [
    ...toLabel.map((id) => ({ article_id: id, state: "pending" as const, reason: null })),
    ...[...labelled].map((id) => ({ article_id: id, state: "skipped" as const, reason: "already_labelled" })),
    ...blocked.map((id) => ({
      article_id: id,
      state: "skipped" as const,
      reason: `${PREFILTER_REASON_PREFIX}${decisions?.get(id)?.rule ?? "blocked"}`,
    })),
  ]);
  await updateJobProgress(env, job.id, { done: labelled.size, total: selected.length, message: "labelling" });
  if (spec.mode === "batch") await submitBatches(env, row, filter, toLabel);
  else await enqueuePending(env, job.id);
  await settleJob(env, job.id);
}

async function validateOracleJob(env: Env, spec: JobSpec) {
  if (spec.kind !== "oracle") return;
  await loadFilter(env, spec.filter, spec.filter_version);
  if (spec.retry_failed_of) {
    const earlier = await getJob(env, spec.retry_failed_of);
    if (earlier.kind !== "oracle") {
      throw new DistilleryError("job.invalid_spec", `retry_failed_of names a ${earlier.kind} job`, {
        details: [{ path: "retry_failed_of", issue: "not an oracle job" }],
      });
    }
  }
}

export const oracleStarter: JobStarter = { validate: validateOracleJob, start: startOracleJob };
