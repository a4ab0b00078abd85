/**
 * @module
 * Oracle jobs: the starter `createJob` runs (plan, estimate, dry run, items, fan-out to the
 * `distillery-oracle` queue or submission to Gemini Batch Mode), the result a job carries (counts,
 * failures by reason, spend, the stand-in banner), finishing when no item is pending (`failed` when no
 * article got a label), pausing at the budget cap and resuming when the cap is raised, and re-driving
 * a job whose queue messages were lost.
 */
import {
  DistilleryError,
  type Job,
  type JobSpec,
  type OracleJobResult,
  type OracleJobSpec,
  promptHash,
} from "@distillery/shared";
import { and, eq } from "drizzle-orm";
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
  reservedUsd,
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

/** How long a start may run before a job with no article list is taken to have been cut off. */
export const START_GRACE_MS = 15 * 60_000;

/**
 * The stalled-work hook (`jobs/redrive.ts`): re-sends the pending items of an interactive job whose
 * queue messages were lost, then settles it (a job whose last items were done while its end was
 * lost finishes now). Re-sending is safe: each message re-checks the label key before any call is
 * paid for. A batch job's work is polled by the minute task anyway. A job whose start was cut off
 * before its items were written cannot resume and fails.
 */
async function redriveOracleJob(env: Env, job: Job): Promise<void> {
  const row = await getOracleJob(env, job.id);
  if (!row) {
    // A start that selects and prefilters a large corpus may still be running in its request: give it
    // the longest a request may reasonably take before calling it cut off.
    if (Date.now() - Date.parse(job.created_at) < START_GRACE_MS) return;
    await transitionJob(env, job.id, "failed", {
      error: {
        code: "oracle.start_interrupted",
        message: `job ${job.id} stopped before its articles were listed; create it again`,
      },
    });
    return;
  }
  if (row.mode === "interactive") await enqueuePending(env, job.id);
  await settleJob(env, job.id);
}

/** `oracle.forbidden: 3, oracle.bad_request: 1`, most frequent first. */
function describeReasons(byReason: Record<string, number>): string {
  return Object.entries(byReason)
    .sort(([, a], [, b]) => b - a)
    .map(([reason, count]) => `${reason}: ${count}`)
    .join(", ");
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
  // A job that got no label out of any call it made has failed, whatever the reason of each article.
  const allFailed = result.failed > 0 && result.labelled === 0;
  const ending = allFailed
    ? transitionJob(env, jobId, "failed", {
        result,
        error: {
          code: "oracle.all_failed",
          message: `every article sent to the oracle failed (${describeReasons(result.failed_by_reason)}); fix the cause, then rerun them with "retry_failed_of": "${jobId}"`,
        },
        progress: { done, total: done, message: "every article failed" },
      })
    : transitionJob(env, jobId, "succeeded", {
        result,
        progress: { done, total: done, message: "finished" },
      });
  await ending.catch((error: unknown) => {
    if (!(error instanceof DistilleryError && error.status === 409)) throw error;
  });
  await settleCascadeOfOracleJob(env, jobId);
}

/** Pauses a running job at its budget cap (items stay pending; raising the cap resumes them). */
export async function pauseAtBudget(env: Env, row: OracleJobRow) {
  const held = await reservedUsd(env, row.job_id);
  const inFlight = held > 0 ? ` (counting $${held.toFixed(6)} held for calls in flight)` : "";
  const reason = `budget cap of $${row.budget_usd} reached${inFlight}; raise it with PATCH /v1/jobs/${row.job_id} {"budget_usd": ...}`;
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

export const oracleStarter: JobStarter = {
  validate: validateOracleJob,
  start: startOracleJob,
  redrive: redriveOracleJob,
};
