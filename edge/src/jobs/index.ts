/**
 * @module
 * Jobs: the one module that writes the `jobs` table. Other parts of the edge (the API, the import
 * consumer, the oracle stage, the GPU-node hub) call these functions and never update job rows
 * themselves, so every change goes through the state machine and reaches `/v1/events` subscribers.
 *
 * @example
 * const job = await createJob(env, spec, { auth });
 * await transitionJob(env, job.id, "running");
 * await updateJobProgress(env, job.id, { done: 10, total: 100 });
 * await transitionJob(env, job.id, "succeeded", { result: { created: 100 } });
 */
import {
  DistilleryError,
  type Job,
  type JobProgress,
  type JobSpec,
  type JobState,
  jobSpecSchema,
} from "@distillery/shared";
import { and, desc, eq, inArray, lt, type SQL } from "drizzle-orm";
import { recordAudit } from "../audit";
import type { AuthContext } from "../auth/tokens";
import { database, newId, nowIso } from "../db/client";
import { type Page, paginate } from "../db/pagination";
import { jobs } from "../db/schema";
import type { Env } from "../env";
import { notFound } from "../errors";
import { jobKindHooks } from "./kinds";
import { jobFromRow } from "./rows";
import { assertTransition, isTerminal, statesLeadingTo } from "./state";

export { jobFromRow } from "./rows";
export { ALLOWED_TRANSITIONS, isTerminal } from "./state";

/** Sends the job's new state to `/v1/events` subscribers (Durable Object `EVENTS`). */
export async function publishJob(env: Env, job: Job): Promise<void> {
  const hub = env.EVENTS.get(env.EVENTS.idFromName("events"));
  await hub.publish(job);
}

/**
 * Creates a job in state `queued` from a spec (validated again here, since internal callers skip the
 * HTTP layer), records who asked in the audit log, and runs the kind's `validate` and `start` hooks
 * (`jobs/kinds.ts`).
 */
export async function createJob(
  env: Env,
  spec: JobSpec,
  options: { auth: AuthContext | null; createdBy?: string },
): Promise<Job> {
  const parsed = jobSpecSchema.safeParse(spec);
  if (!parsed.success) {
    throw new DistilleryError("job.invalid_spec", "invalid job spec", {
      details: parsed.error.issues.map((i) => ({ path: i.path.join("."), issue: i.message })),
    });
  }
  const hooks = jobKindHooks(parsed.data.kind);
  await hooks.validate?.(env, parsed.data);
  const now = nowIso();
  const db = database(env.DB);
  const auth = options.auth;
  const row = await db
    .insert(jobs)
    .values({
      id: newId("job"),
      kind: parsed.data.kind,
      state: "queued",
      spec: parsed.data,
      progress: { done: 0, total: null } satisfies JobProgress,
      attempts: 0,
      created_by: options.createdBy ?? (auth ? `${auth.role}:${auth.name}` : "system"),
      created_at: now,
      updated_at: now,
    })
    .returning()
    .get();
  const job = jobFromRow(row);
  await recordAudit(db, auth, {
    action: "job.create",
    targetType: "job",
    targetId: job.id,
    details: { kind: job.kind },
  });
  await publishJob(env, job);
  await hooks.start?.(env, job);
  return job;
}

/** The job with `id`, or a 404 `job.not_found`. */
export async function getJob(env: Env, id: string): Promise<Job> {
  const row = await database(env.DB).select().from(jobs).where(eq(jobs.id, id)).get();
  if (!row) throw notFound("job", id);
  return jobFromRow(row);
}

/** Newest first; `cursor` is the last id of the previous page. */
export async function listJobs(
  env: Env,
  query: { state?: JobState; kind?: Job["kind"]; cursor?: string; limit: number },
): Promise<Page<Job>> {
  const conditions: SQL[] = [];
  if (query.state) conditions.push(eq(jobs.state, query.state));
  if (query.kind) conditions.push(eq(jobs.kind, query.kind));
  if (query.cursor) conditions.push(lt(jobs.id, query.cursor));
  return paginate({
    limit: query.limit,
    fetchRows: (take) =>
      database(env.DB)
        .select()
        .from(jobs)
        .where(and(...conditions))
        .orderBy(desc(jobs.id))
        .limit(take)
        .all(),
    toItem: jobFromRow,
    cursorOf: (row) => row.id,
  });
}

/** Replaces the job's progress (not allowed once it has finished) and publishes it. */
export async function updateJobProgress(env: Env, id: string, progress: JobProgress): Promise<Job> {
  const row = await database(env.DB)
    .update(jobs)
    .set({ progress, updated_at: nowIso() })
    .where(and(eq(jobs.id, id), inArray(jobs.state, ["queued", "running", "paused"])))
    .returning()
    .get();
  if (!row) {
    const current = await getJob(env, id);
    throw new DistilleryError("job.finished", `job ${id} is ${current.state}; its progress is final`, {
      status: 409,
    });
  }
  const job = jobFromRow(row);
  await publishJob(env, job);
  return job;
}

/**
 * Replaces the result (and optionally the progress) of a job that has not finished, without changing its
 * state: a scoring job waiting on its cascade shows what it has so far. Throws `job.finished` (409) once
 * the job has ended.
 */
export async function setJobResult(
  env: Env,
  id: string,
  result: Record<string, unknown>,
  progress?: JobProgress,
): Promise<Job> {
  const row = await database(env.DB)
    .update(jobs)
    .set({ result, ...(progress ? { progress } : {}), updated_at: nowIso() })
    .where(and(eq(jobs.id, id), inArray(jobs.state, ["queued", "running", "paused"])))
    .returning()
    .get();
  if (!row) {
    const current = await getJob(env, id);
    throw new DistilleryError("job.finished", `job ${id} is ${current.state}; its result is final`, {
      status: 409,
    });
  }
  const job = jobFromRow(row);
  await publishJob(env, job);
  return job;
}

export type TransitionOptions = {
  result?: Record<string, unknown> | null;
  error?: { code: string; message: string } | null;
  progress?: JobProgress;
  lease?: { node_id: string; lease_id: string; expires_at: string } | null;
  /** Counts one more attempt (a node or consumer starting the work again). */
  incrementAttempts?: boolean;
  /** Who caused the change, for the audit log (omit for system changes that need no audit). */
  audit?: { auth: AuthContext | null; action: string };
};

/**
 * Moves a job to `to` if the state machine allows it from its current state (compare-and-set), sets
 * timestamps, and publishes the change. Throws `job.invalid_transition` (409) otherwise.
 */
export async function transitionJob(
  env: Env,
  id: string,
  to: JobState,
  options: TransitionOptions = {},
): Promise<Job> {
  const db = database(env.DB);
  const current = await getJob(env, id);
  assertTransition(id, current.state, to);
  const now = nowIso();
  const lease = options.lease === undefined ? undefined : options.lease;
  const row = await db
    .update(jobs)
    .set({
      state: to,
      updated_at: now,
      ...(to === "running" && !current.started_at ? { started_at: now } : {}),
      ...(isTerminal(to)
        ? { finished_at: now, lease_node_id: null, lease_id: null, lease_expires_at: null }
        : {}),
      ...(options.result !== undefined ? { result: options.result } : {}),
      ...(options.error !== undefined ? { error: options.error } : {}),
      ...(options.progress !== undefined ? { progress: options.progress } : {}),
      ...(lease !== undefined
        ? {
            lease_node_id: lease?.node_id ?? null,
            lease_id: lease?.lease_id ?? null,
            lease_expires_at: lease?.expires_at ?? null,
          }
        : {}),
      ...(options.incrementAttempts ? { attempts: current.attempts + 1 } : {}),
    })
    .where(and(eq(jobs.id, id), inArray(jobs.state, statesLeadingTo(to))))
    .returning()
    .get();
  if (!row) {
    const latest = await getJob(env, id);
    assertTransition(id, latest.state, to);
    throw new DistilleryError("job.conflict", `job ${id} changed while moving to ${to}; retry`, {
      status: 409,
    });
  }
  const job = jobFromRow(row);
  if (options.audit) {
    await recordAudit(db, options.audit.auth, {
      action: options.audit.action,
      targetType: "job",
      targetId: id,
      details: { from: current.state, to },
    });
  }
  await publishJob(env, job);
  return job;
}

/**
 * Cancels a job that has not finished (audited as `job.cancel`), then runs its kind's `cancelled` hook.
 *
 * @example
 * const job = await cancelJob(env, "job_01...", auth);
 */
export async function cancelJob(env: Env, id: string, auth: AuthContext | null): Promise<Job> {
  const job = await transitionJob(env, id, "cancelled", { audit: { auth, action: "job.cancel" } });
  await jobKindHooks(job.kind).cancelled?.(env, job);
  return job;
}

/** Jobs of `kinds` that are `queued` or `running` and have not changed since `before` (oldest first). */
export async function listQuietJobs(
  env: Env,
  kinds: readonly Job["kind"][],
  before: string,
  limit: number,
): Promise<Job[]> {
  if (kinds.length === 0) return [];
  const rows = await database(env.DB)
    .select()
    .from(jobs)
    .where(
      and(
        inArray(jobs.state, ["queued", "running"]),
        inArray(jobs.kind, [...kinds]),
        lt(jobs.updated_at, before),
      ),
    )
    .orderBy(jobs.updated_at)
    .limit(limit)
    .all();
  return rows.map(jobFromRow);
}

/**
 * Marks `job` as looked after now (its `updated_at`, the heartbeat the stalled-work rule reads) if it
 * has not changed since it was read: of two minute tasks that find the same quiet job, one wins.
 * Not published: nothing a subscriber sees has changed.
 */
export async function touchQuietJob(env: Env, job: Job): Promise<boolean> {
  const row = await database(env.DB)
    .update(jobs)
    .set({ updated_at: nowIso() })
    .where(and(eq(jobs.id, job.id), eq(jobs.state, job.state), eq(jobs.updated_at, job.updated_at)))
    .returning({ id: jobs.id })
    .get();
  return row !== undefined;
}

/** Remembers where a chat message shows this job, so the bot can edit it as the job moves. */
export async function setJobNotify(
  env: Env,
  id: string,
  notify: { channel_id: string; message_id: string },
): Promise<Job> {
  const row = await database(env.DB)
    .update(jobs)
    .set({ notify, updated_at: nowIso() })
    .where(eq(jobs.id, id))
    .returning()
    .get();
  if (!row) throw notFound("job", id);
  return jobFromRow(row);
}
