/**
 * @module
 * The hub's scheduling: which idle node gets which queued shard, and what a job becomes when a lease is
 * lost, a shard finishes or fails. A shard goes only to a node that can run its job kind and student kind
 * (`matching.ts`); a queued job that no connected node can run shows why in its progress message until
 * one can. Dispatch runs one at a time (a second call while one runs makes it run once more), so two
 * offers never race for the same node. Job rows change only through the jobs module (`transitionJob`,
 * `updateJobProgress`), so every change reaches `/v1/events`.
 */
import { DistilleryError, type JobProgress, type JobSpec, type NodeCapabilities } from "@distillery/shared";
import { loadFilter } from "../filters/store";
import { getJob, transitionJob, updateJobProgress } from "../jobs/index";
import { holdForCascade } from "./cascade";
import type { PredictionTarget } from "./chunks";
import { storedChunks } from "./chunks";
import { loadModel, offerContext } from "./context";
import { finalizeJob } from "./finalize";
import { closeShards, ensureShards, leaseShard, type QueuedShard, queuedShards, shardsOf } from "./leases";
import { canRun, type JobNeeds, studentKindOf, WAITING_PREFIX, waitingReason } from "./matching";
import type { NodeHub } from "./node-hub";

/** A node that rejected a shard is not offered it again for this long. */
const REJECT_COOLDOWN_MS = 30_000;
/** Job progress is written to D1 (and published) at most this often per job. */
const PROGRESS_INTERVAL_MS = 1_000;
/** Retryable failures of a shard before the job fails. */
export const MAX_SHARD_ATTEMPTS = 3;

export class Scheduler {
  private running: Promise<void> | null = null;
  private again = false;
  private readonly rejected = new Map<string, number>();
  private readonly targets = new Map<string, Promise<PredictionTarget>>();
  private readonly progress = new Map<string, { shards: Map<number, JobProgress>; writtenAt: number }>();
  /** What each GPU job needs of a node, resolved once per job. */
  private readonly needs = new Map<string, Promise<JobNeeds>>();
  /** The waiting reason last written on each queued job (null: none), so unchanged ones are not rewritten. */
  private readonly waiting = new Map<string, string | null>();

  constructor(private readonly hub: NodeHub) {}

  dispatch(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.dispatchOnce();
      } while (this.again);
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async dispatchOnce(): Promise<void> {
    const env = this.hub.bindings;
    const nodes = this.hub.nodeSockets();
    await ensureShards(env);
    const queued = await queuedShards(env);
    const needs = new Map<string, JobNeeds>();
    for (const shard of queued)
      if (!needs.has(shard.job_id)) needs.set(shard.job_id, await this.needsOf(shard));
    const connected = nodes.map(({ attachment }) => this.hub.records.get(attachment.node_id!)!.capabilities);
    await this.showWaiting(queued, needs, connected);
    const idle = nodes.filter(({ attachment }) => !attachment.job);
    if (idle.length === 0) return;
    const now = Date.now();
    for (const [key, until] of this.rejected) if (until < now) this.rejected.delete(key);
    for (const { socket, attachment } of idle) {
      const nodeId = attachment.node_id!;
      const record = this.hub.records.get(nodeId)!;
      const runnable = queued.filter(
        (s) =>
          canRun(record.capabilities, needs.get(s.job_id)!) &&
          !this.rejected.has(`${nodeId}|${s.job_id}|${s.shard}`),
      );
      const held = new Set(record.checkpoints.map((c) => c.job_id));
      const pick =
        runnable.find((s) => s.kind === "train" && held.has(s.job_id)) ??
        runnable.find((s) => s.last_node_id === nodeId) ??
        runnable[0];
      if (!pick) continue;
      queued.splice(queued.indexOf(pick), 1);
      await this.offer(socket, nodeId, pick);
    }
  }

  /** What a shard's job needs of a node; a student kind that cannot be resolved is left to the offer to report. */
  private needsOf(shard: QueuedShard): Promise<JobNeeds> {
    let needs = this.needs.get(shard.job_id);
    if (!needs) {
      const kind = shard.kind as JobNeeds["kind"];
      needs = studentKindOf(this.hub.bindings, shard.spec).then(
        (student) => ({ kind, student }),
        () => ({ kind, student: null }),
      );
      this.needs.set(shard.job_id, needs);
    }
    return needs;
  }

  /**
   * Writes why each queued job waits (no connected node can run it) into its progress message, and takes
   * the reason away once a node that can run it is connected.
   */
  private async showWaiting(
    queued: QueuedShard[],
    needs: Map<string, JobNeeds>,
    connected: NodeCapabilities[],
  ): Promise<void> {
    const jobIds = new Set(queued.filter((s) => s.jobState === "queued").map((s) => s.job_id));
    for (const jobId of this.waiting.keys()) if (!jobIds.has(jobId)) this.waiting.delete(jobId);
    for (const jobId of jobIds) {
      const reason = waitingReason(needs.get(jobId)!, connected);
      if (this.waiting.get(jobId) === reason) continue;
      const job = await getJob(this.hub.bindings, jobId);
      const { message, ...progress } = job.progress;
      const stale = message?.startsWith(WAITING_PREFIX) ?? false;
      try {
        if (reason !== null && message !== reason) {
          await updateJobProgress(this.hub.bindings, jobId, { ...progress, message: reason });
        } else if (reason === null && stale) {
          await updateJobProgress(this.hub.bindings, jobId, progress);
        }
      } catch (error) {
        // A job that finished meanwhile keeps its final progress.
        if ((error as DistilleryError).code !== "job.finished") throw error;
      }
      this.waiting.set(jobId, reason);
    }
  }

  private async offer(socket: WebSocket, nodeId: string, shard: QueuedShard): Promise<void> {
    const env = this.hub.bindings;
    let context: Awaited<ReturnType<typeof offerContext>>;
    try {
      context = await offerContext(env, { id: shard.job_id, spec: shard.spec }, shard.shard);
    } catch (error) {
      await this.failJob(shard.job_id, error as Error);
      return;
    }
    const leaseId = crypto.randomUUID();
    const expiresAt = Date.now() + this.hub.leaseMs;
    if (!(await leaseShard(env, shard, { nodeId, leaseId, expiresAt }))) return;
    const acknowledged = shard.kind === "train" ? [] : await storedChunks(env, shard.job_id, shard.shard);
    const attachment = this.hub.attachment(socket);
    this.hub.attach(socket, {
      ...attachment,
      job: { job_id: shard.job_id, shard: shard.shard, lease_id: leaseId },
    });
    console.log(`node hub: offering ${shard.kind} ${shard.job_id}#${shard.shard} to ${nodeId}`);
    this.hub.send(socket, {
      type: "job.offer",
      job_id: shard.job_id,
      lease_id: leaseId,
      kind: shard.kind,
      spec: shard.spec,
      shard: { index: shard.shard, count: shard.shard_count },
      acknowledged_chunks: acknowledged,
      lease_expires_at: new Date(expiresAt).toISOString(),
      context,
    });
    await this.hub.ensureAlarm(expiresAt + 5);
  }

  /** A node accepted: the job is running (its first lease is recorded on the job row). */
  async started(
    jobId: string,
    lease: { node_id: string; lease_id: string; expires_at: string },
  ): Promise<void> {
    const job = await getJob(this.hub.bindings, jobId);
    if (job.state === "queued") {
      await transitionJob(this.hub.bindings, jobId, "running", { lease, incrementAttempts: true });
    }
  }

  /** A lease was lost (expired, rejected): tell the node if it is still here, and re-queue the job. */
  async leaseLost(jobId: string, nodeId: string | null, reason: string): Promise<void> {
    const holder = this.hub.socketOf(nodeId);
    if (holder?.attachment.job?.job_id === jobId) {
      this.hub.send(holder.socket, { type: "job.cancel", job_id: jobId, reason: `lease lost: ${reason}` });
      this.hub.attach(holder.socket, { ...holder.attachment, job: null });
    }
    const shards = await shardsOf(this.hub.bindings, jobId);
    const job = await getJob(this.hub.bindings, jobId);
    if (job.state === "running" && !shards.some((s) => s.state === "leased")) {
      await transitionJob(this.hub.bindings, jobId, "queued", { lease: null });
    }
  }

  /** The job ended elsewhere (cancelled through the API): stop every node on it. */
  async jobEnded(jobId: string, reason: string): Promise<void> {
    this.needs.delete(jobId);
    for (const shard of await closeShards(this.hub.bindings, jobId)) {
      const holder = this.hub.socketOf(shard.last_node_id);
      if (holder?.attachment.job?.job_id === jobId) {
        this.hub.send(holder.socket, { type: "job.cancel", job_id: jobId, reason });
        this.hub.attach(holder.socket, { ...holder.attachment, job: null });
      }
    }
  }

  async failJob(jobId: string, error: Error): Promise<void> {
    const code = error instanceof DistilleryError ? error.code : "job.failed";
    console.warn(`node hub: job ${jobId} failed: ${code}: ${error.message}`);
    await this.jobEnded(jobId, `the job failed: ${error.message}`);
    const job = await getJob(this.hub.bindings, jobId);
    if (job.state === "queued" || job.state === "running" || job.state === "paused") {
      await transitionJob(this.hub.bindings, jobId, "failed", { error: { code, message: error.message } });
    }
  }

  /** After a shard succeeded: when it was the last one, finish the job with its result. */
  async shardSucceeded(jobId: string): Promise<void> {
    const shards = await shardsOf(this.hub.bindings, jobId);
    if (!shards.every((s) => s.state === "succeeded")) return;
    const job = await getJob(this.hub.bindings, jobId);
    if (job.state !== "running" && job.state !== "queued") return;
    let result: Record<string, unknown>;
    try {
      result = await finalizeJob(
        this.hub.bindings,
        job,
        shards.map((s) => (s.result ?? {}) as Record<string, unknown>),
      );
    } catch (error) {
      return this.failJob(jobId, error as Error);
    }
    const progress = { ...job.progress, done: job.progress.total ?? job.progress.done };
    if (job.state === "queued") await transitionJob(this.hub.bindings, jobId, "running");
    // A cascade scoring job stays running until its oracle job ends (see cascade.ts).
    if (!(await holdForCascade(this.hub.bindings, jobId, result, progress))) {
      await transitionJob(this.hub.bindings, jobId, "succeeded", { result, progress });
    }
    this.progress.delete(jobId);
    this.targets.delete(jobId);
    this.needs.delete(jobId);
  }

  /** Records a shard's progress; the job's (the sum over shards) is written at most once a second. */
  async recordProgress(jobId: string, shard: number, progress: JobProgress, force = false): Promise<void> {
    const entry = this.progress.get(jobId) ?? { shards: new Map(), writtenAt: 0 };
    this.progress.set(jobId, entry);
    entry.shards.set(shard, progress);
    if (!force && Date.now() - entry.writtenAt < PROGRESS_INTERVAL_MS) return;
    entry.writtenAt = Date.now();
    const all = [...entry.shards.values()];
    const combined: JobProgress =
      all.length === 1
        ? progress
        : {
            done: all.reduce((sum, p) => sum + p.done, 0),
            total: all.every((p) => p.total !== null)
              ? all.reduce((sum, p) => sum + (p.total ?? 0), 0)
              : null,
          };
    try {
      await updateJobProgress(this.hub.bindings, jobId, combined);
    } catch (error) {
      // A job that finished meanwhile keeps its final progress.
      if ((error as DistilleryError).code !== "job.finished") throw error;
    }
  }

  /** Where a job's predictions go (model and filter), loaded once per job. */
  predictionTarget(jobId: string): Promise<PredictionTarget> {
    let target = this.targets.get(jobId);
    if (!target) {
      target = (async () => {
        const job = await getJob(this.hub.bindings, jobId);
        const spec = job.spec as JobSpec;
        if (spec.kind !== "infer" && spec.kind !== "eval") {
          throw new DistilleryError("job.no_predictions", `a ${spec.kind} job does not upload predictions`);
        }
        const model = await loadModel(this.hub.bindings, spec.model_id);
        return {
          jobId,
          modelId: model.id,
          filter: await loadFilter(this.hub.bindings, model.filter, model.filter_version),
        };
      })();
      target.catch(() => this.targets.delete(jobId));
      this.targets.set(jobId, target);
    }
    return target;
  }

  rejectedBy(nodeId: string, jobId: string, shard: number): void {
    this.rejected.set(`${nodeId}|${jobId}|${shard}`, Date.now() + REJECT_COOLDOWN_MS);
  }
}
