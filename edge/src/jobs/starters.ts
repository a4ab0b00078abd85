/**
 * @module
 * Per-kind hooks `createJob` runs: `validate` before the row is written (refuse a job that cannot
 * run, e.g. an import of an unfinished upload) and `start` after it (e.g. enqueue the first chunk).
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
};

export const JOB_STARTERS: Partial<Record<JobKind, JobStarter>> = {
  import: importStarter,
  oracle: oracleStarter,
  train: gpuJobStarter,
  eval: gpuJobStarter,
  infer: gpuJobStarter,
};
