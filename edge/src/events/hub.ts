/**
 * @module
 * `EventsHub`, the Durable Object behind `/v1/events`. Responsibilities:
 * - accept subscriber WebSockets with the Hibernation API (`ctx.acceptWebSocket`), so idle
 *   subscribers cost nothing, and remember each socket's job filter in its attachment;
 * - send each new subscriber a `snapshot` of the jobs it asked for (or the unfinished ones);
 * - fan `job.updated` out to matching sockets when the jobs module calls `publish` (RPC);
 * - let a subscriber change its filter with a `subscribe` message;
 * - close the sockets of a revoked token (4002): at once when the tokens route calls
 *   `closeSocketsOfToken` (RPC), and as a backstop its alarm re-checks the tokens of open sockets every
 *   `TOKEN_RECHECK_MS` (a token revoked straight in D1, e.g. by the CLI on local data).
 * One instance (named `events`) serves the whole edge.
 */
import { DurableObject } from "cloudflare:workers";
import { EVENTS_CLOSE_CODES, eventSubscriptionSchema, type Job, type JobEvent } from "@distillery/shared";
import { and, desc, inArray, isNull } from "drizzle-orm";
import { database } from "../db/client";
import { apiTokens, jobs } from "../db/schema";
import type { Env } from "../env";
import { jobFromRow } from "../jobs/rows";

type Attachment = { jobIds: string[] | null };

const SNAPSHOT_LIMIT = 100;
/** How often the alarm re-checks the tokens of open sockets. */
const TOKEN_RECHECK_MS = 30_000;
const TOKEN_TAG_PREFIX = "token:";
/** The header the `/v1/events` route sets to the id of the token it authenticated. */
export const TOKEN_ID_HEADER = "x-distillery-token-id";

export class EventsHub extends DurableObject<Env> {
  /** Upgrades a request (forwarded by the `/v1/events` route) to a subscriber socket. */
  override async fetch(request: Request): Promise<Response> {
    const jobIds = new URL(request.url).searchParams.getAll("job_id");
    const tokenId = request.headers.get(TOKEN_ID_HEADER);
    if (!tokenId) throw new Error(`events: subscribe without ${TOKEN_ID_HEADER}`);
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server, [`${TOKEN_TAG_PREFIX}${tokenId}`]);
    if ((await this.ctx.storage.getAlarm()) === null) {
      await this.ctx.storage.setAlarm(Date.now() + TOKEN_RECHECK_MS);
    }
    const attachment: Attachment = { jobIds: jobIds.length > 0 ? jobIds : null };
    server.serializeAttachment(attachment);
    this.send(server, { type: "snapshot", jobs: await this.snapshot(attachment.jobIds) });
    return new Response(null, { status: 101, webSocket: client });
  }

  /** Closes every socket opened with a token (it was revoked) with 4002; returns how many. */
  async closeSocketsOfToken(tokenId: string): Promise<number> {
    const sockets = this.ctx.getWebSockets(`${TOKEN_TAG_PREFIX}${tokenId}`);
    for (const socket of sockets) socket.close(EVENTS_CLOSE_CODES.revoked, "the token was revoked");
    return sockets.length;
  }

  /** Closes the sockets of tokens revoked since the last check; re-arms while sockets are open. */
  override async alarm(): Promise<void> {
    const tokenIds = new Set<string>();
    for (const socket of this.ctx.getWebSockets()) {
      for (const tag of this.ctx.getTags(socket)) {
        if (tag.startsWith(TOKEN_TAG_PREFIX)) tokenIds.add(tag.slice(TOKEN_TAG_PREFIX.length));
      }
    }
    if (tokenIds.size === 0) return;
    const ids = [...tokenIds];
    const active = new Set<string>();
    // 90 ids per query: D1 binds at most 100 parameters.
    for (let i = 0; i < ids.length; i += 90) {
      const rows = await database(this.env.DB)
        .select({ id: apiTokens.id })
        .from(apiTokens)
        .where(and(inArray(apiTokens.id, ids.slice(i, i + 90)), isNull(apiTokens.revoked_at)))
        .all();
      for (const row of rows) active.add(row.id);
    }
    for (const id of ids) if (!active.has(id)) await this.closeSocketsOfToken(id);
    if (this.ctx.getWebSockets().length > 0) await this.ctx.storage.setAlarm(Date.now() + TOKEN_RECHECK_MS);
  }

  /** Called by the jobs module on every change. */
  async publish(job: Job): Promise<number> {
    let sent = 0;
    for (const socket of this.ctx.getWebSockets()) {
      const { jobIds } = (socket.deserializeAttachment() as Attachment | null) ?? { jobIds: null };
      if (jobIds && !jobIds.includes(job.id)) continue;
      this.send(socket, { type: "job.updated", job });
      sent += 1;
    }
    return sent;
  }

  /** Events that are not job updates (a drift alert): to every subscriber that follows all jobs. */
  async publishEvent(event: JobEvent): Promise<number> {
    let sent = 0;
    for (const socket of this.ctx.getWebSockets()) {
      const { jobIds } = (socket.deserializeAttachment() as Attachment | null) ?? { jobIds: null };
      if (jobIds) continue;
      this.send(socket, event);
      sent += 1;
    }
    return sent;
  }

  override async webSocketMessage(socket: WebSocket, message: string | ArrayBuffer): Promise<void> {
    let parsed: ReturnType<typeof eventSubscriptionSchema.safeParse>;
    try {
      parsed = eventSubscriptionSchema.safeParse(JSON.parse(String(message)));
    } catch {
      socket.close(1003, 'send JSON: {"type":"subscribe","job_ids":[...]}');
      return;
    }
    if (!parsed.success) {
      socket.close(1003, 'unknown message; expected {"type":"subscribe","job_ids":[...]}');
      return;
    }
    const jobIds = parsed.data.job_ids ?? null;
    socket.serializeAttachment({ jobIds } satisfies Attachment);
    this.send(socket, { type: "snapshot", jobs: await this.snapshot(jobIds) });
  }

  override async webSocketClose(socket: WebSocket, code: number, reason: string): Promise<void> {
    // Answer a close so the client sees a clean close rather than 1006.
    try {
      socket.close(code === 1005 ? 1000 : code, reason);
    } catch {
      // Already closed: nothing left to answer.
    }
  }

  private send(socket: WebSocket, event: JobEvent): void {
    try {
      socket.send(JSON.stringify(event));
    } catch (error) {
      console.warn("events: dropping a socket that failed to send", error);
      socket.close(1011, "send failed");
    }
  }

  private async snapshot(jobIds: string[] | null): Promise<Job[]> {
    const db = database(this.env.DB);
    const rows = jobIds
      ? await db
          .select()
          .from(jobs)
          .where(inArray(jobs.id, jobIds.slice(0, SNAPSHOT_LIMIT)))
          .all()
      : await db
          .select()
          .from(jobs)
          .where(inArray(jobs.state, ["queued", "running", "paused"]))
          .orderBy(desc(jobs.id))
          .limit(SNAPSHOT_LIMIT)
          .all();
    return rows.map(jobFromRow);
  }
}
