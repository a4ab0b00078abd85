/**
 * @module
 * Leases of GPU job shards in D1 (`job_shards`). Every change is a compare-and-set on the row, so a
 * shard is never leased twice and a stale node cannot complete a shard that was given to another one.
 * The hub calls these; the job row itself changes only through the jobs module.
 */
import type { JobSpec } from "@distillery/shared";
import { and, asc, eq, inArray, isNotNull, lt, min, notInArray, sql } from "drizzle-orm";
import { database, nowIso } from "../db/client";
import { articles, jobShards, jobs } from "../db/schema";
import type { Env } from "../env";

export const GPU_JOB_KINDS = ["train", "eval", "infer"] as const;
export type ShardRow = typeof jobShards.$inferSelect;

/** Creates the shard rows of queued GPU jobs that have none yet (one per shard; train/eval have one). */
export async function ensureShards(env: Env): Promise<number> {
  const db = database(env.DB);
  const fresh = await db
    .select({ id: jobs.id, kind: jobs.kind, spec: jobs.spec })
    .from(jobs)
    .where(
      and(
        inArray(jobs.kind, [...GPU_JOB_KINDS]),
        eq(jobs.state, "queued"),
        notInArray(jobs.id, db.select({ id: jobShards.job_id }).from(jobShards)),
      ),
    )
    .limit(50)
    .all();
  if (fresh.length === 0) return 0;
  const maxRowid = await db.select({ value: sql<number | null>`max(rowid)` }).from(articles).get();
  for (const job of fresh) {
    const spec = job.spec as JobSpec;
    const count = spec.kind === "infer" ? spec.shards : 1;
    await db
      .insert(jobShards)
      .values(
        Array.from({ length: count }, (_, shard) => ({
          job_id: job.id,
          shard,
          shard_count: count,
          state: "queued" as const,
          input_max_rowid: spec.kind === "infer" ? (maxRowid?.value ?? 0) : null,
          updated_at: nowIso(),
        })),
      )
      .onConflictDoNothing()
      .run();
  }
  return fresh.length;
}

export type QueuedShard = ShardRow & {
  kind: JobSpec["kind"];
  spec: JobSpec;
  attemptsOfJob: number;
  /** The job's state: `queued` until a first shard is accepted, then `running`. */
  jobState: "queued" | "running";
};

/** Shards waiting for a node, oldest job first. */
export async function queuedShards(env: Env, limit = 100): Promise<QueuedShard[]> {
  const rows = await database(env.DB)
    .select({
      shard: jobShards,
      kind: jobs.kind,
      spec: jobs.spec,
      attempts: jobs.attempts,
      state: jobs.state,
    })
    .from(jobShards)
    .innerJoin(jobs, eq(jobs.id, jobShards.job_id))
    .where(and(eq(jobShards.state, "queued"), inArray(jobs.state, ["queued", "running"])))
    .orderBy(asc(jobs.created_at), asc(jobShards.shard))
    .limit(limit)
    .all();
  return rows.map((r) => ({
    ...r.shard,
    kind: r.kind,
    spec: r.spec as JobSpec,
    attemptsOfJob: r.attempts,
    jobState: r.state as QueuedShard["jobState"],
  }));
}

/** Leases a queued shard to a node; false when someone else got it first. */
export async function leaseShard(
  env: Env,
  shard: { job_id: string; shard: number },
  lease: { nodeId: string; leaseId: string; expiresAt: number },
): Promise<boolean> {
  const result = await database(env.DB)
    .update(jobShards)
    .set({
      state: "leased",
      node_id: lease.nodeId,
      lease_id: lease.leaseId,
      lease_expires_at: lease.expiresAt,
      last_node_id: lease.nodeId,
      attempts: sql`${jobShards.attempts} + 1`,
      updated_at: nowIso(),
    })
    .where(
      and(
        eq(jobShards.job_id, shard.job_id),
        eq(jobShards.shard, shard.shard),
        eq(jobShards.state, "queued"),
      ),
    )
    .run();
  return result.meta.changes === 1;
}

/** The shard a lease id names, whatever its state. */
export async function shardByLease(env: Env, leaseId: string): Promise<ShardRow | undefined> {
  return database(env.DB).select().from(jobShards).where(eq(jobShards.lease_id, leaseId)).get();
}

/** The shard of `jobId` this node holds, if any (a node re-claiming its job after a reconnect). */
export async function leasedShardOf(env: Env, nodeId: string, jobId: string): Promise<ShardRow | undefined> {
  return database(env.DB)
    .select()
    .from(jobShards)
    .where(and(eq(jobShards.job_id, jobId), eq(jobShards.node_id, nodeId), eq(jobShards.state, "leased")))
    .get();
}

/** Extends the leases a node holds on `jobId`; returns how many it still holds (0: the lease is lost). */
export async function renewLeases(
  env: Env,
  nodeId: string,
  jobId: string,
  expiresAt: number,
): Promise<number> {
  const result = await database(env.DB)
    .update(jobShards)
    .set({ lease_expires_at: expiresAt })
    .where(and(eq(jobShards.job_id, jobId), eq(jobShards.node_id, nodeId), eq(jobShards.state, "leased")))
    .run();
  return result.meta.changes;
}

/** Ends a lease: the shard is `succeeded`/`failed`, or back to `queued` to be offered again. */
export async function endLease(
  env: Env,
  leaseId: string,
  to: "queued" | "succeeded" | "failed",
  fields: { result?: unknown; progress?: unknown } = {},
): Promise<ShardRow | undefined> {
  return database(env.DB)
    .update(jobShards)
    .set({
      state: to,
      node_id: null,
      lease_id: to === "queued" ? null : leaseId,
      lease_expires_at: null,
      updated_at: nowIso(),
      ...(fields.result !== undefined ? { result: fields.result } : {}),
      ...(fields.progress !== undefined ? { progress: fields.progress } : {}),
    })
    .where(and(eq(jobShards.lease_id, leaseId), eq(jobShards.state, "leased")))
    .returning()
    .get();
}

/** Puts every shard whose lease ran out back to `queued`; returns them (with the node that lost each). */
export async function expireLeases(env: Env, now: number): Promise<ShardRow[]> {
  return database(env.DB)
    .update(jobShards)
    .set({ state: "queued", node_id: null, lease_id: null, lease_expires_at: null, updated_at: nowIso() })
    .where(and(eq(jobShards.state, "leased"), lt(jobShards.lease_expires_at, now)))
    .returning()
    .all();
}

/** When the next lease runs out (epoch ms), or null when none is held. */
export async function nextLeaseExpiry(env: Env): Promise<number | null> {
  const row = await database(env.DB)
    .select({ value: min(jobShards.lease_expires_at) })
    .from(jobShards)
    .where(and(eq(jobShards.state, "leased"), isNotNull(jobShards.lease_expires_at)))
    .get();
  return row?.value ?? null;
}

/** Leased shards of jobs that finished meanwhile (cancelled through the API, failed elsewhere). */
export async function leasesOfFinishedJobs(env: Env): Promise<ShardRow[]> {
  const rows = await database(env.DB)
    .select({ shard: jobShards })
    .from(jobShards)
    .innerJoin(jobs, eq(jobs.id, jobShards.job_id))
    .where(and(eq(jobShards.state, "leased"), inArray(jobs.state, ["cancelled", "failed", "succeeded"])))
    .all();
  return rows.map((r) => r.shard);
}

/** All shards of a job. */
export async function shardsOf(env: Env, jobId: string): Promise<ShardRow[]> {
  return database(env.DB)
    .select()
    .from(jobShards)
    .where(eq(jobShards.job_id, jobId))
    .orderBy(asc(jobShards.shard))
    .all();
}

/** Ends every open shard of a job (when it fails or is cancelled). */
export async function closeShards(env: Env, jobId: string): Promise<ShardRow[]> {
  return database(env.DB)
    .update(jobShards)
    .set({ state: "failed", node_id: null, lease_expires_at: null, updated_at: nowIso() })
    .where(and(eq(jobShards.job_id, jobId), inArray(jobShards.state, ["queued", "leased"])))
    .returning()
    .all();
}
