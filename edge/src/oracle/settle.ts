/**
 * @module
 * How an oracle job ends: its result so far (counts, failures by reason, spend, the stand-in banner),
 * `settleJob` when no item is pending (`failed` when no article got a label) and `pauseAtBudget` at its
 * budget cap; either then settles a cascade waiting on the job (`hub/cascade.ts`). Called by the
 * starter, the queue consumer and the batch poller.
 */
import { DistilleryError, type OracleJobResult } from "@distillery/shared";
import type { Env } from "../env";
import { settleCascadeOfOracleJob } from "../hub/cascade";
import { getJob, transitionJob, updateJobProgress } from "../jobs/index";
import { standinBanner } from "./config";
import { getOracleJob, itemCounts, type OracleJobRow, reservedUsd } from "./store";

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
    ...(row.uses_standin ? { banner: standinBanner(row.provider) } : {}),
    ...(pausedReason ? { paused_reason: pausedReason } : {}),
  };
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
