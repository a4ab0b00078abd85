/**
 * @module
 * The node agent: keeps one socket to the hub (reconnecting), introduces itself with `hello` (stable
 * node id, capabilities, checkpoints it holds), heartbeats, and runs one leased job at a time through
 * `JobExecution`. Offers while busy or for kinds it cannot run are rejected; `job.cancel` kills the job.
 */
import {
  type HubMessage,
  type JobProgress,
  type NodeCapabilities,
  PROTOCOL_VERSION,
} from "@distillery/shared";
import { runPython } from "@distillery/shared/node";
import { capabilitiesFromDoctor } from "./capabilities";
import { HubConnection } from "./connection";
import { EdgeHttp } from "./edge-http";
import { JobExecution, type JobOffer, type JobOutcome, type RunnerSettings } from "./job-execution";
import { WorkDir } from "./work-dir";

export const AGENT_VERSION = "0.1.0";

export type AgentOptions = {
  edgeUrl: string;
  token: string;
  workDir: string;
  name?: string;
  runner?: RunnerSettings;
  log?: (line: string) => void;
  onProgress?: (job: JobOffer, progress: JobProgress) => void;
  onJobDone?: (job: JobOffer, outcome: JobOutcome) => void;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
};

/** What `python -m distillery_gpu doctor` reports, validated. */
export async function detectCapabilities(
  workDir: WorkDir,
  runner: RunnerSettings,
  signal?: AbortSignal,
): Promise<NodeCapabilities> {
  const outcome = await runPython({ ...runner, command: "doctor", dir: `${workDir.root}/doctor`, signal });
  if (outcome.exitCode !== 0 || !outcome.result) {
    throw new Error(
      `python doctor failed (exit ${outcome.exitCode}): ${outcome.error?.message ?? outcome.stderrTail.join("\n")}`,
    );
  }
  return capabilitiesFromDoctor(outcome.result);
}

export class Agent {
  private readonly workDir: WorkDir;
  private readonly edge: EdgeHttp;
  private readonly connection: HubConnection;
  private readonly log: (line: string) => void;
  private nodeId = "";
  private capabilities: NodeCapabilities | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private job: JobExecution | null = null;
  private stopped: ((reason: { code: number; reason: string }) => void) | null = null;
  private readonly stopping = new AbortController();

  constructor(private readonly options: AgentOptions) {
    this.workDir = new WorkDir(options.workDir);
    this.edge = new EdgeHttp(options.edgeUrl, options.token);
    this.log = options.log ?? ((line) => console.error(line));
    this.connection = new HubConnection({
      edgeUrl: options.edgeUrl,
      token: options.token,
      log: this.log,
      initialBackoffMs: options.initialBackoffMs,
      maxBackoffMs: options.maxBackoffMs,
      onOpen: () => void this.sendHello(),
      onMessage: (message) => this.onMessage(message),
      onClose: (code, reason, fatal) => {
        this.stopHeartbeat();
        this.log(`disconnected (${code}${reason ? `: ${reason}` : ""})`);
        if (fatal) this.stopped?.({ code, reason });
      },
    });
  }

  /** Runs until the hub refuses the node for good or `stop()` is called; resolves with the close. */
  async run(): Promise<{ code: number; reason: string }> {
    this.nodeId = await this.workDir.nodeId();
    // A stop while the doctor runs must end its Python too, or a process manager's SIGTERM leaves it behind.
    const capabilities = await detectCapabilities(
      this.workDir,
      this.options.runner ?? {},
      this.stopping.signal,
    ).catch((error: unknown) => {
      if (this.stopping.signal.aborted) return null;
      throw error;
    });
    if (!capabilities) return { code: 1000, reason: "stopped before connecting" };
    this.capabilities = capabilities;
    const gpus = this.capabilities.gpus.map((gpu) => gpu.name).join(", ") || "no GPU";
    this.log(`node ${this.nodeId} (${gpus}; jobs: ${this.capabilities.job_kinds.join(", ")})`);
    const closed = new Promise<{ code: number; reason: string }>((resolve) => {
      this.stopped = resolve;
    });
    this.connection.start();
    return closed;
  }

  stop(): void {
    this.stopping.abort();
    this.job?.cancel("agent stopping");
    this.connection.stop();
  }

  private async sendHello(): Promise<void> {
    this.connection.send({
      type: "hello",
      protocol_version: PROTOCOL_VERSION,
      node_id: this.nodeId,
      name: this.options.name ?? this.nodeId,
      agent_version: AGENT_VERSION,
      capabilities: this.capabilities!,
      checkpoints: await this.workDir.checkpoints(),
    });
  }

  private onMessage(message: HubMessage): void {
    switch (message.type) {
      case "welcome":
        this.log(`connected to ${this.options.edgeUrl} as ${message.node_id}`);
        this.startHeartbeat(message.heartbeat_interval_ms);
        // Re-claim the lease at once and resend what the hub may have missed while we were away.
        this.heartbeat();
        this.job?.resend();
        return;
      case "heartbeat":
        return;
      case "job.offer":
        this.onOffer(message);
        return;
      case "job.cancel":
        if (this.job?.jobId === message.job_id) this.job.cancel(message.reason);
        return;
      case "job.chunk.ack":
        if (this.job?.jobId === message.job_id && this.job.shard === message.shard) {
          this.job.onChunkAck(message.chunk_index);
        }
        return;
      case "job.result.ack":
        if (this.job?.leaseId === message.lease_id) this.job.onResultAck();
        return;
      case "error":
        this.log(`hub error ${message.code}: ${message.message}`);
        return;
    }
  }

  private onOffer(offer: JobOffer): void {
    const reject = (reason: string) =>
      this.connection.send({ type: "job.reject", job_id: offer.job_id, lease_id: offer.lease_id, reason });
    if (this.job) return void reject(`busy with job ${this.job.jobId}`);
    if (!this.capabilities?.job_kinds.includes(offer.kind))
      return void reject(`cannot run ${offer.kind} jobs`);
    this.connection.send({ type: "job.accept", job_id: offer.job_id, lease_id: offer.lease_id });
    const shard = offer.shard.count > 1 ? ` shard ${offer.shard.index + 1}/${offer.shard.count}` : "";
    this.log(`job ${offer.job_id}: accepted ${offer.kind}${shard}`);
    const job = new JobExecution({
      offer,
      send: (message) => this.connection.send(message),
      sendText: (text) => this.connection.sendText(text),
      edge: this.edge,
      workDir: this.workDir,
      runner: this.options.runner ?? {},
      log: this.log,
      onProgress: (progress) => this.options.onProgress?.(offer, progress),
    });
    this.job = job;
    void job.run().then(
      async (outcome) => {
        this.job = null;
        this.log(`job ${offer.job_id}: ${outcome}`);
        if (outcome === "succeeded") await this.workDir.removeJob(offer.job_id);
        this.options.onJobDone?.(offer, outcome);
        this.heartbeat();
      },
      (error: Error) => {
        this.job = null;
        this.log(`job ${offer.job_id}: crashed: ${error.stack ?? error.message}`);
      },
    );
  }

  private startHeartbeat(intervalMs: number): void {
    this.stopHeartbeat();
    this.heartbeatTimer = setInterval(() => this.heartbeat(), intervalMs);
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  private heartbeat(): void {
    this.connection.send({ type: "heartbeat", job_id: this.job?.jobId ?? null });
  }
}
