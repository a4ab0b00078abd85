/**
 * @module
 * One handler per node message type (the type checker insists on all of them). Messages about a job
 * carry the lease id of its offer. Progress under a lease that is no longer this node's is answered with
 * `job.cancel` (the node stops); chunks, results and failures are taken only from the node holding the
 * lease (the id the offer went to, which belongs to one token): any other gets an `error`
 * `lease.not_held` and `job.cancel`, and nothing is stored. A `hello` with a node id another active
 * token registered closes the socket (4010); heartbeats re-check the socket's token now and then and
 * close it (4002) once revoked. A `job.result` is checked against the job kind's node result schema
 * (`results.ts`); one that breaks it fails the job with `result.invalid`.
 */
import { DistilleryError, NODE_CLOSE_CODES, type NodeMessage, PROTOCOL_VERSION } from "@distillery/shared";
import { isActive, recordUse } from "../auth/tokens";
import { database } from "../db/client";
import { getJob } from "../jobs/index";
import { storeChunk } from "./chunks";
import { endLease, leasedShardOf, renewLeases, type ShardRow, shardByLease } from "./leases";
import type { NodeAttachment, NodeHub } from "./node-hub";
import { claimNodeId } from "./nodes";
import { parseNodeResult } from "./results";
import { MAX_SHARD_ATTEMPTS } from "./scheduler";

type Handler<T extends NodeMessage["type"]> = (
  socket: WebSocket,
  attachment: NodeAttachment,
  message: Extract<NodeMessage, { type: T }>,
) => Promise<void>;

/** How often a connected node's token is re-checked on heartbeat (a revocation that bypassed the API). */
export const TOKEN_RECHECK_MS = 15_000;

export type NodeHandlers = { [T in NodeMessage["type"]]: Handler<T> };

export function createNodeHandlers(hub: NodeHub): NodeHandlers {
  const env = hub.bindings;

  /** The shard this lease names if this node still holds it; otherwise tells the node to stop. */
  async function heldShard(socket: WebSocket, attachment: NodeAttachment, jobId: string, leaseId: string) {
    const shard = await shardByLease(env, leaseId);
    if (shard && shard.state === "leased" && shard.node_id === attachment.node_id) return shard;
    hub.send(socket, { type: "job.cancel", job_id: jobId, reason: "lease lost: the job was offered again" });
    if (attachment.job?.lease_id === leaseId) hub.attach(socket, { ...attachment, job: null });
    return null;
  }

  /**
   * The shard a chunk, result or failure names, if this node holds its lease; otherwise answers
   * `lease.not_held` (and `job.cancel`, so an agent that lost the lease stops) and returns null.
   */
  async function leaseHolderShard(
    socket: WebSocket,
    attachment: NodeAttachment,
    message: { type: string; job_id: string; lease_id: string; shard?: number },
  ) {
    const shard = await shardByLease(env, message.lease_id);
    const held =
      shard?.state === "leased" &&
      shard.node_id === attachment.node_id &&
      shard.job_id === message.job_id &&
      (message.shard === undefined || message.shard === shard.shard);
    if (held) return shard;
    console.warn(
      `node hub: ${message.type} for ${message.job_id} from ${attachment.node_id}, which does not hold lease ${message.lease_id}`,
    );
    hub.send(socket, {
      type: "error",
      code: "lease.not_held",
      message: `${message.type} refused: this node does not hold lease ${message.lease_id} of job ${message.job_id}; nothing was stored`,
    });
    hub.send(socket, { type: "job.cancel", job_id: message.job_id, reason: "lease not held by this node" });
    if (attachment.job?.lease_id === message.lease_id) hub.attach(socket, { ...attachment, job: null });
    return null;
  }

  /** False (and the socket closed with 4002) once the socket's token is revoked; checked now and then. */
  async function tokenStillActive(socket: WebSocket, attachment: NodeAttachment): Promise<boolean> {
    if (!attachment.token_id) {
      // A socket accepted by a hub version that did not record tokens: have the agent reconnect.
      socket.close(1012, "reconnect: the hub was updated");
      return false;
    }
    if (Date.now() - Date.parse(attachment.token_checked_at) < TOKEN_RECHECK_MS) return true;
    const db = database(env.DB);
    if (!(await isActive(db, attachment.token_id))) {
      socket.close(NODE_CLOSE_CODES.revoked, "the node token was revoked");
      return false;
    }
    await recordUse(db, attachment.token_id);
    attachment.token_checked_at = new Date().toISOString();
    return true;
  }

  function clearJob(socket: WebSocket, leaseId: string) {
    const current = hub.attachment(socket);
    if (current.job?.lease_id === leaseId) hub.attach(socket, { ...current, job: null });
  }

  return {
    async hello(socket, attachment, message) {
      if (message.protocol_version !== PROTOCOL_VERSION) {
        socket.close(
          NODE_CLOSE_CODES.protocolVersion,
          `protocol version ${message.protocol_version} is not supported; this hub speaks ${PROTOCOL_VERSION}`,
        );
        return;
      }
      if (!(await claimNodeId(env, message.node_id, attachment.token_id, message.name))) {
        console.warn(`node hub: refused ${message.node_id}: registered by another active token`);
        socket.close(
          NODE_CLOSE_CODES.nodeIdTaken,
          "node id registered by another token: use another --work-dir or revoke that token",
        );
        return;
      }
      for (const other of hub.state.getWebSockets()) {
        if (other !== socket && hub.attachment(other).node_id === message.node_id) {
          other.close(NODE_CLOSE_CODES.replaced, "another agent connected with this node id");
        }
      }
      await hub.saveRecord(message.node_id, {
        capabilities: message.capabilities,
        checkpoints: message.checkpoints,
      });
      const now = new Date().toISOString();
      hub.attach(socket, {
        ...attachment,
        node_id: message.node_id,
        name: message.name,
        last_heartbeat_at: now,
      });
      hub.send(socket, {
        type: "welcome",
        node_id: message.node_id,
        heartbeat_interval_ms: hub.heartbeatMs,
        lease_ms: hub.leaseMs,
      });
      console.log(`node hub: ${message.node_id} (${message.name}) connected`);
      // No offer yet: the agent heartbeats right after `welcome`, re-claiming a job it still runs, and
      // an idle one is offered work then.
      await hub.ensureAlarm(Date.now() + hub.pollMs);
    },

    async heartbeat(socket, attachment, message) {
      if (!(await tokenStillActive(socket, attachment))) return;
      const updated: NodeAttachment = { ...attachment, last_heartbeat_at: new Date().toISOString() };
      if (message.job_id) {
        const held = await renewLeases(env, attachment.node_id!, message.job_id, Date.now() + hub.leaseMs);
        if (held === 0) {
          hub.send(socket, {
            type: "job.cancel",
            job_id: message.job_id,
            reason: "lease lost: the job was offered again",
          });
          updated.job = null;
        } else if (!updated.job) {
          // A reconnect: the node still runs the job it had before the socket dropped.
          const shard = await leasedShardOf(env, attachment.node_id!, message.job_id);
          updated.job = shard
            ? { job_id: shard.job_id, shard: shard.shard, lease_id: shard.lease_id! }
            : null;
        }
      }
      hub.attach(socket, updated);
      if (!updated.job) await hub.scheduler.dispatch();
    },

    async "job.accept"(socket, attachment, message) {
      const shard = await heldShard(socket, attachment, message.job_id, message.lease_id);
      if (!shard) return;
      await hub.scheduler.started(message.job_id, {
        node_id: attachment.node_id!,
        lease_id: message.lease_id,
        expires_at: new Date(shard.lease_expires_at ?? Date.now()).toISOString(),
      });
    },

    async "job.reject"(socket, attachment, message) {
      console.log(`node hub: ${attachment.node_id} rejected ${message.job_id}: ${message.reason}`);
      const shard = await endLease(env, message.lease_id, "queued");
      clearJob(socket, message.lease_id);
      if (shard) hub.scheduler.rejectedBy(attachment.node_id!, shard.job_id, shard.shard);
      await hub.scheduler.dispatch();
    },

    async "job.progress"(socket, attachment, message) {
      const shard = await heldShard(socket, attachment, message.job_id, message.lease_id);
      if (!shard) return;
      await renewLeases(env, attachment.node_id!, message.job_id, Date.now() + hub.leaseMs);
      await hub.scheduler.recordProgress(message.job_id, shard.shard, message.progress);
    },

    async "job.chunk"(socket, attachment, message) {
      if (!(await leaseHolderShard(socket, attachment, message))) return;
      const target = await hub.scheduler.predictionTarget(message.job_id);
      const stored = await storeChunk(env, target, message);
      hub.send(socket, {
        type: "job.chunk.ack",
        job_id: message.job_id,
        shard: message.shard,
        chunk_index: message.chunk_index,
        stored,
      });
    },

    async "job.result"(socket, attachment, message) {
      const ack = () =>
        hub.send(socket, { type: "job.result.ack", job_id: message.job_id, lease_id: message.lease_id });
      const existing = await shardByLease(env, message.lease_id);
      if (
        existing?.state === "succeeded" &&
        existing.job_id === message.job_id &&
        existing.last_node_id === attachment.node_id
      )
        return ack(); // a duplicate: stored once already
      const shard = await leaseHolderShard(socket, attachment, message);
      if (!shard) return;
      let result: ReturnType<typeof parseNodeResult>;
      try {
        result = parseNodeResult((await getJob(env, message.job_id)).kind, message.result);
      } catch (error) {
        // A result that breaks the contract would break again on any node: the job fails, naming the field.
        await endLease(env, message.lease_id, "failed");
        clearJob(socket, message.lease_id);
        ack();
        await hub.scheduler.failJob(message.job_id, error as Error);
        await hub.scheduler.dispatch();
        return;
      }
      await endLease(env, message.lease_id, "succeeded", { result });
      clearJob(socket, message.lease_id);
      ack();
      await hub.scheduler.shardSucceeded(message.job_id);
      await hub.scheduler.dispatch();
    },

    async "job.failed"(socket, attachment, message) {
      const ack = () =>
        hub.send(socket, { type: "job.result.ack", job_id: message.job_id, lease_id: message.lease_id });
      const shard: ShardRow | null = await leaseHolderShard(socket, attachment, message);
      if (!shard) return;
      clearJob(socket, message.lease_id);
      const retry = message.retryable && shard.attempts < MAX_SHARD_ATTEMPTS;
      console.warn(
        `node hub: ${message.job_id}#${shard.shard} failed on ${attachment.node_id}: ${message.code}: ${message.message}`,
      );
      if (retry) {
        await endLease(env, message.lease_id, "queued");
        hub.scheduler.rejectedBy(attachment.node_id!, shard.job_id, shard.shard);
        ack();
        await hub.scheduler.leaseLost(message.job_id, null, message.message);
      } else {
        await endLease(env, message.lease_id, "failed");
        ack();
        await hub.scheduler.failJob(message.job_id, new DistilleryError(message.code, message.message));
      }
      await hub.scheduler.dispatch();
    },
  };
}
