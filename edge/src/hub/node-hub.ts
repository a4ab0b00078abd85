/**
 * @module
 * `NodeHub`, the Durable Object GPU nodes connect to (one instance, named `hub`). Responsibilities:
 * - accept node sockets with the WebSocket Hibernation API; per-socket state (node id, name, current
 *   lease, last heartbeat) lives in the socket attachment and capabilities in DO storage, reloaded in
 *   `blockConcurrencyWhile`, so a hibernated or restarted hub knows its nodes;
 * - validate every message with the shared `nodeMessageSchema`: an invalid one is logged and answered
 *   with an `error` message, never a crash;
 * - schedule: offer queued train/eval/infer shards to capable idle nodes (a train job back to the node
 *   holding its checkpoint first), lease them in D1 (`job_shards`) with a deadline that heartbeats and
 *   progress renew, and re-offer shards whose lease ran out (the alarm);
 * - store prediction chunks (idempotent), results and failures, and finish jobs through the jobs module.
 * - trust: each socket is tagged with the id of the token it was opened with; a node id belongs to the
 *   token that first registered it (`nodes.ts`), revoking a token closes its sockets (`closeSocketsOfToken`,
 *   called by the tokens route) and heartbeats re-check the token every `TOKEN_RECHECK_MS` as a backstop
 *   (a token revoked straight in D1, e.g. by `distillery tokens revoke` on local data).
 * It learns of new jobs from its jobs' `start` hook (`kick`, `hub/starter.ts`) and, as a fallback, polls in its alarm.
 */
import { DurableObject } from "cloudflare:workers";
import {
  type HubMessage,
  NODE_CLOSE_CODES,
  type NodeCapabilities,
  type NodeInfo,
  type NodeMessage,
  nodeMessageSchema,
} from "@distillery/shared";
import { edgeConfig } from "../config";
import type { Env } from "../env";
import { createNodeHandlers } from "./handlers";
import { expireLeases, leasesOfFinishedJobs, nextLeaseExpiry } from "./leases";
import { Scheduler } from "./scheduler";

/** Per-socket state, kept in the socket attachment (survives hibernation; must stay under 2 KB). */
export type NodeAttachment = {
  node_id: string | null;
  /** The API token the socket was opened with (also the socket's tag `token:<id>`). */
  token_id: string;
  /** When the token was last checked to be active (heartbeats re-check it every `TOKEN_RECHECK_MS`, `handlers.ts`). */
  token_checked_at: string;
  name: string;
  connected_at: string;
  last_heartbeat_at: string;
  job: { job_id: string; shard: number; lease_id: string } | null;
};

/** Per-node state too large for an attachment, kept in DO storage under `node:<id>`. */
export type NodeRecord = { capabilities: NodeCapabilities; checkpoints: { job_id: string; step: number }[] };

const HELLO_TIMEOUT_MS = 10_000;
/** The header the `/v1/nodes/connect` route sets to the id of the token it authenticated. */
export const TOKEN_ID_HEADER = "x-distillery-token-id";

/** The hibernation tag of the sockets opened with a token. */
export const tokenTag = (tokenId: string) => `token:${tokenId}`;

export class NodeHub extends DurableObject<Env> {
  readonly records = new Map<string, NodeRecord>();
  readonly scheduler: Scheduler;
  private readonly handlers: ReturnType<typeof createNodeHandlers>;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.scheduler = new Scheduler(this);
    this.handlers = createNodeHandlers(this);
    ctx.blockConcurrencyWhile(async () => {
      const stored = await ctx.storage.list<NodeRecord>({ prefix: "node:" });
      for (const [key, record] of stored) this.records.set(key.slice("node:".length), record);
    });
  }

  /** The worker bindings, for the scheduler and the handlers. */
  get bindings(): Env {
    return this.env;
  }
  get state(): DurableObjectState {
    return this.ctx;
  }

  get leaseMs(): number {
    return edgeConfig(this.env).HUB_LEASE_MS;
  }
  get heartbeatMs(): number {
    return edgeConfig(this.env).HUB_HEARTBEAT_MS ?? Math.max(100, Math.floor(this.leaseMs / 3));
  }
  get pollMs(): number {
    return edgeConfig(this.env).HUB_POLL_MS;
  }

  /** Upgrades a request the `/v1/nodes/connect` route already authenticated. */
  override async fetch(request: Request): Promise<Response> {
    const tokenId = request.headers.get(TOKEN_ID_HEADER);
    if (!tokenId) throw new Error(`node hub: connect without ${TOKEN_ID_HEADER}`);
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server, [tokenTag(tokenId)]);
    const now = new Date().toISOString();
    this.attach(server, {
      node_id: null,
      token_id: tokenId,
      token_checked_at: now,
      name: "",
      connected_at: now,
      last_heartbeat_at: now,
      job: null,
    });
    await this.ensureAlarm(Date.now() + HELLO_TIMEOUT_MS);
    return new Response(null, { status: 101, webSocket: client });
  }

  /** Called when a GPU job is created (jobs module starter): offer it now rather than at the next poll. */
  async kick(): Promise<void> {
    await this.scheduler.dispatch();
    await this.ensureAlarm(Date.now() + this.pollMs);
  }

  /**
   * Closes every socket opened with a token (it was revoked) with 4002; returns how many. Leases stay
   * until they run out, like any dropped node's.
   */
  async closeSocketsOfToken(tokenId: string): Promise<number> {
    const sockets = this.ctx.getWebSockets(tokenTag(tokenId));
    for (const socket of sockets) {
      socket.close(NODE_CLOSE_CODES.revoked, "the node token was revoked");
    }
    return sockets.length;
  }

  /** Connected nodes, for `GET /v1/nodes`. */
  async listNodes(): Promise<NodeInfo[]> {
    return this.nodeSockets().map(({ attachment }) => ({
      node_id: attachment.node_id!,
      name: attachment.name,
      capabilities: this.records.get(attachment.node_id!)!.capabilities,
      current_job_id: attachment.job?.job_id ?? null,
      connected_at: attachment.connected_at,
      last_heartbeat_at: attachment.last_heartbeat_at,
    }));
  }

  override async webSocketMessage(socket: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    let data: unknown;
    try {
      data = JSON.parse(typeof raw === "string" ? raw : new TextDecoder().decode(raw));
    } catch {
      return this.protocolError(socket, "protocol.invalid_json", "messages must be JSON objects");
    }
    const parsed = nodeMessageSchema.safeParse(data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? issue.path.join(".") : "type";
      return this.protocolError(
        socket,
        "protocol.invalid_message",
        `${where}: ${issue?.message ?? "invalid"}`,
      );
    }
    const message: NodeMessage = parsed.data;
    const attachment = this.attachment(socket);
    if (message.type !== "hello" && !attachment.node_id) {
      return this.protocolError(socket, "protocol.hello_first", "send hello before any other message");
    }
    try {
      await this.handlers[message.type](socket, attachment, message as never);
    } catch (error) {
      const code = (error as { code?: string }).code ?? "hub.error";
      console.error(`node hub: ${message.type} from ${attachment.node_id} failed:`, error);
      this.send(socket, { type: "error", code, message: (error as Error).message });
    }
  }

  override async webSocketClose(socket: WebSocket, code: number, reason: string): Promise<void> {
    const { node_id, job } = this.attachment(socket);
    console.log(
      `node hub: ${node_id ?? "unidentified node"} disconnected (${code} ${reason})${job ? ` holding ${job.job_id}` : ""}`,
    );
    // Its lease stays until it runs out: a node that reconnects in time keeps its job.
    try {
      socket.close(1000, "closed");
    } catch {
      // Already closed: nothing to answer.
    }
  }

  override async webSocketError(socket: WebSocket, error: unknown): Promise<void> {
    console.warn(`node hub: socket error from ${this.attachment(socket).node_id}:`, error);
  }

  /** Lease expiry, cancelled jobs, silent sockets, then offers; re-arms itself while anything is open. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    for (const shard of await expireLeases(this.env, now)) {
      console.log(`node hub: lease of ${shard.job_id}#${shard.shard} on ${shard.last_node_id} expired`);
      await this.scheduler.leaseLost(shard.job_id, shard.last_node_id, "lease expired");
    }
    for (const shard of await leasesOfFinishedJobs(this.env)) {
      await this.scheduler.jobEnded(shard.job_id, "the job was cancelled or has finished");
    }
    for (const socket of this.ctx.getWebSockets()) {
      const attachment = this.attachment(socket);
      if (!attachment.node_id && now - Date.parse(attachment.connected_at) > HELLO_TIMEOUT_MS) {
        socket.close(NODE_CLOSE_CODES.helloTimeout, "no hello within 10 s");
      } else if (attachment.node_id && now - Date.parse(attachment.last_heartbeat_at) > 3 * this.leaseMs) {
        socket.close(1001, "no heartbeat");
      }
    }
    await this.scheduler.dispatch();
    const next = await nextLeaseExpiry(this.env);
    const candidates = [next === null ? Number.POSITIVE_INFINITY : next + 5];
    if (this.ctx.getWebSockets().length > 0) candidates.push(now + this.pollMs);
    const at = Math.min(...candidates);
    if (Number.isFinite(at)) await this.ctx.storage.setAlarm(Math.max(at, Date.now() + 50));
  }

  async ensureAlarm(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  // Socket helpers used by the handlers and the scheduler ---------------------------------------------

  attachment(socket: WebSocket): NodeAttachment {
    return socket.deserializeAttachment() as NodeAttachment;
  }

  attach(socket: WebSocket, attachment: NodeAttachment): void {
    socket.serializeAttachment(attachment);
  }

  send(socket: WebSocket, message: HubMessage): void {
    try {
      socket.send(JSON.stringify(message satisfies HubMessage));
    } catch (error) {
      console.warn("node hub: send failed", error);
    }
  }

  protocolError(socket: WebSocket, code: string, message: string): void {
    console.warn(
      `node hub: invalid message from ${this.attachment(socket).node_id ?? "unidentified node"}: ${code}: ${message}`,
    );
    this.send(socket, { type: "error", code, message });
  }

  /** Sockets of nodes that said hello. */
  nodeSockets(): { socket: WebSocket; attachment: NodeAttachment }[] {
    return this.ctx
      .getWebSockets()
      .map((socket) => ({ socket, attachment: this.attachment(socket) }))
      .filter(({ attachment }) => attachment.node_id !== null && this.records.has(attachment.node_id));
  }

  socketOf(nodeId: string | null): { socket: WebSocket; attachment: NodeAttachment } | undefined {
    return nodeId ? this.nodeSockets().find(({ attachment }) => attachment.node_id === nodeId) : undefined;
  }

  async saveRecord(nodeId: string, record: NodeRecord): Promise<void> {
    this.records.set(nodeId, record);
    await this.ctx.storage.put(`node:${nodeId}`, record);
  }
}
