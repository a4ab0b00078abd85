/**
 * @module
 * Stalled work: one rule for every job kind that waits on queue messages (import chunks, oracle
 * articles, any kind added later). A message can be lost — a local `wrangler dev` restart drops the
 * queue; a message can use up its retries — while its job stays `queued` or `running`. A job's
 * `updated_at` is its heartbeat (every chunk, article or progress update moves it); a job of a kind
 * with a `redrive` hook (`jobs/kinds.ts`) that has been quiet for `STALLED_JOB_MS` is touched and
 * re-driven by the minute task. Touching is compare-and-set, so a job is re-driven once per stall.
 * To re-drive another kind, register a `redrive` hook for it (`src/kinds.ts`).
 *
 * @example
 * const redriven = await redriveStalledJobs(env); // ids of the jobs whose work was sent again
 */
import { DistilleryError } from "@distillery/shared";
import type { Env } from "../env";
import { listQuietJobs, touchQuietJob } from "./index";
import { jobKindHooks, redrivableKinds } from "./kinds";

/** A queued or running job that has not changed for this long has lost its queue messages. */
export const STALLED_JOB_MS = 2 * 60_000;
/** Quiet jobs the minute task looks at per run (the oldest first; the rest wait a minute). */
const REDRIVE_PER_RUN = 50;

/** Re-drives every quiet job whose kind has a `redrive` hook; returns the ids re-driven. */
export async function redriveStalledJobs(env: Env, now = Date.now()): Promise<string[]> {
  const kinds = redrivableKinds();
  const before = new Date(now - STALLED_JOB_MS).toISOString();
  const quiet = await listQuietJobs(env, kinds, before, REDRIVE_PER_RUN);
  const redriven: string[] = [];
  const failures: { jobId: string; error: unknown }[] = [];
  for (const job of quiet) {
    if (!(await touchQuietJob(env, job))) continue;
    try {
      await jobKindHooks(job.kind).redrive?.(env, job);
      redriven.push(job.id);
    } catch (error) {
      failures.push({ jobId: job.id, error });
    }
  }
  if (failures.length > 0) {
    const details = failures.map(({ jobId, error }) => ({
      path: jobId,
      issue: error instanceof Error ? error.message : String(error),
    }));
    throw new DistilleryError(
      "job.redrive_failed",
      `re-driving ${failures.length} stalled job(s) failed; each is tried again once quiet for another ${STALLED_JOB_MS / 60_000} minutes`,
      { status: 500, details, cause: failures[0]?.error },
    );
  }
  return redriven;
}
