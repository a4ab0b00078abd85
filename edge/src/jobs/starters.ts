/**
 * @module
 * Per-kind hooks: `createJob` runs `validate` before the row is written (refuse a job that cannot
 * run, e.g. an import of an unfinished upload) and `start` after it (e.g. enqueue the first chunk);
 * the minute task runs `redrive` on a job of the kind that has gone quiet (`jobs/redrive.ts`).
 * Kinds without an entry simply stay `queued` until their worker (oracle stage, GPU node) takes them.
 * To hook a kind, add one entry here.
 */
import type { Job, JobKind, JobSpec } from "@distillery/shared";
import type { Env } from "../env";
import { gpuJobStarter } from "../hub/starter";
import { importStarter } from "../imports/starter";
import { oracleStarter } from "../oracle/jobs";

export type JobStarter = {
  validate?: (env: Env, spec: JobSpec) => Promise<void>;
  start?: (env: Env, job: Job) => Promise<void>;
  /**
   * For kinds driven by queue messages: sends the job's work again after its messages were lost
   * (a restart, a message that used up its retries), or fails the job when nothing can resume it.
   * Must be safe to run while the old messages are still alive: consumers re-check before working.
   */
  redrive?: (env: Env, job: Job) => Promise<void>;
};

export const JOB_STARTERS: Partial<Record<JobKind, JobStarter>> = {
  import: importStarter,
  oracle: oracleStarter,
  train: gpuJobStarter,
  eval: gpuJobStarter,
  infer: gpuJobStarter,
};
