/**
 * @module
 * The job kinds' hooks, registered once at startup (`src/kinds.ts`) so the jobs module never imports
 * the modules that run each kind (they import it). `createJob` runs `validate` before the row is
 * written (refuse a job that cannot run, e.g. an import of an unfinished upload) and `start` after it
 * (e.g. enqueue the first chunk); the minute task runs `redrive` on a job of the kind that has gone
 * quiet (`jobs/redrive.ts`); `cancelJob` runs `cancelled` after the job is cancelled. Kinds without
 * hooks simply stay `queued` until their worker (oracle stage, GPU node) takes them.
 *
 * @example
 * registerJobKind("import", { validate, start: sendNextChunk, redrive: sendNextChunk });
 */
import type { Job, JobKind, JobSpec } from "@distillery/shared";
import type { Env } from "../env";

export type JobKindHooks = {
  validate?: (env: Env, spec: JobSpec) => Promise<void>;
  start?: (env: Env, job: Job) => Promise<void>;
  /**
   * For kinds driven by queue messages: sends the job's work again after its messages were lost
   * (a restart, a message that used up its retries), or fails the job when nothing can resume it.
   * Must be safe to run while the old messages are still alive: consumers re-check before working.
   */
  redrive?: (env: Env, job: Job) => Promise<void>;
  /** After the job was cancelled through the API (e.g. a cascade scoring job ends its oracle job). */
  cancelled?: (env: Env, job: Job) => Promise<void>;
};

const HOOKS = new Map<JobKind, JobKindHooks>();

/** Sets the hooks of `kind` (a second call for the same kind replaces them). */
export function registerJobKind(kind: JobKind, hooks: JobKindHooks): void {
  HOOKS.set(kind, hooks);
}

/** The hooks registered for `kind`; none when the kind has no hooks. */
export function jobKindHooks(kind: JobKind): JobKindHooks {
  return HOOKS.get(kind) ?? {};
}

/** The kinds whose stalled jobs can be re-driven, in registration order. */
export function redrivableKinds(): JobKind[] {
  return [...HOOKS].filter(([, hooks]) => hooks.redrive).map(([kind]) => kind);
}
