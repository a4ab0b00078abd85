/**
 * @module
 * Following a job to its end for the demo: polls `GET /v1/jobs/{id}` (what `curl` would do) and shows
 * its progress; a job that fails or is cancelled becomes an error carrying the job's own reason.
 */
import { type DistilleryClient, DistilleryError, type Job, waitForJob } from "@distillery/shared";
import type { Io } from "../io";
import { startProgress } from "./progress";

export type FollowOptions = {
  pollMs?: number;
  live?: boolean;
  onUpdate?: (job: Job) => void | Promise<void>;
};

/**
 * Waits until `jobId` is finished; returns the job when it succeeded.
 * @example
 * const job = await followJob(client, created.id, "oracle", io);
 */
export async function followJob(
  client: DistilleryClient,
  jobId: string,
  step: string,
  io: Io,
  options: FollowOptions = {},
): Promise<Job> {
  const progress = startProgress(step, io, options.live);
  let job: Job;
  try {
    job = await waitForJob(client, jobId, {
      intervalMs: options.pollMs ?? 1_000,
      onPoll: async (current) => {
        await options.onUpdate?.(current);
        const { done, total, message, loss } = current.progress;
        const detail = [message, typeof loss === "number" ? `loss ${loss.toFixed(3)}` : ""]
          .filter(Boolean)
          .join(" ");
        if (total) progress.update(done, total, detail);
      },
    });
    if (job.progress.total) progress.update(job.progress.done, job.progress.total, job.state);
  } finally {
    progress.stop();
  }
  if (job.state !== "succeeded") {
    throw new DistilleryError(
      job.error?.code ?? `job.${job.state}`,
      `${step} job ${job.id} ${job.state}: ${job.error?.message ?? "no reason given"}`,
    );
  }
  return job;
}
