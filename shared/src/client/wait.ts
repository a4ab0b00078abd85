/**
 * @module
 * `waitForJob`: the one loop that polls `GET /v1/jobs/{id}` until the job reaches one of
 * `TERMINAL_JOB_STATES`. The CLI's demo, the bot's dry-run estimate, the integration tests and the
 * benchmarks all wait through it; each keeps its own display (`onPoll`) and its own limit.
 */
import type { Job } from "../schemas/job";
import { TERMINAL_JOB_STATES } from "../schemas/job";

/** How often and how long to poll. */
export type WaitForJobOptions = {
  /** Pause between polls (default 1 s). */
  intervalMs?: number;
  /** Stop polling after this long (default: no limit). */
  timeoutMs?: number;
  /** Stop polling after this many polls (default: no limit). */
  maxPolls?: number;
  /** The job as already known: it is checked before the first poll, which then waits `intervalMs`. */
  current?: Job;
  /** Called with each unfinished job before the pause (progress display, side checks). */
  onPoll?: (job: Job) => void | Promise<void>;
};

/**
 * Polls the job until it is terminal, or until the time or polls run out; returns the last job seen,
 * so the caller decides what an unfinished one means (check `TERMINAL_JOB_STATES`).
 * @example
 * const job = await waitForJob(client, created.id, { intervalMs: 500, timeoutMs: 60_000 });
 * if (job.state !== "succeeded") throw new Error(`job ${job.id} ${job.state}`);
 */
export async function waitForJob(
  client: { getJob(id: string): Promise<Job> },
  jobId: string,
  options: WaitForJobOptions = {},
): Promise<Job> {
  const intervalMs = options.intervalMs ?? 1_000;
  const deadline = Date.now() + (options.timeoutMs ?? Number.POSITIVE_INFINITY);
  let polls = 0;
  let job = options.current;
  if (!job) {
    job = await client.getJob(jobId);
    polls++;
  }
  while (!TERMINAL_JOB_STATES.includes(job.state)) {
    if (polls >= (options.maxPolls ?? Number.POSITIVE_INFINITY) || Date.now() >= deadline) break;
    await options.onPoll?.(job);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    job = await client.getJob(jobId);
    polls++;
  }
  return job;
}
