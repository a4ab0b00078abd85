/**
 * @module
 * The gateway half of the Discord stand-in: a `ws` server speaking gateway v10 JSON the way
 * discord.js expects — HELLO (op 10) with a heartbeat interval, IDENTIFY (op 2) answered by READY,
 * heartbeats (op 1) acknowledged (op 11), and dispatches (op 0) with increasing sequence numbers.
 * Intents are recorded from IDENTIFY so a test can check what the bot asked for.
 */
import type { Server } from "node:http";
import { WebSocket, WebSocketServer } from "ws";

export type GatewayOptions = { applicationId: string; botUserId: string; heartbeatIntervalMs?: number };

export class Gateway {
  private wss: WebSocketServer;
  private sessions = new Set<{ socket: WebSocket; seq: number }>();
  /** Every IDENTIFY payload received (token, intents, properties). */
  readonly identifies: Record<string, unknown>[] = [];
  onIdentify: () => void = () => {};

  constructor(
    server: Server,
    private options: GatewayOptions,
  ) {
    this.wss = new WebSocketServer({ server, path: "/gateway" });
    this.wss.on("connection", (socket) => this.accept(socket));
  }

  private accept(socket: WebSocket): void {
    const session = { socket, seq: 0 };
    socket.send(
      JSON.stringify({
        op: 10,
        d: { heartbeat_interval: this.options.heartbeatIntervalMs ?? 41_250 },
        s: null,
        t: null,
      }),
    );
    socket.on("message", (raw) => {
      const frame = JSON.parse(raw.toString()) as { op: number; d: unknown };
      if (frame.op === 1) socket.send(JSON.stringify({ op: 11, d: null, s: null, t: null }));
      if (frame.op === 2) {
        this.identifies.push(frame.d as Record<string, unknown>);
        this.sessions.add(session);
        this.send(session, "READY", {
          v: 10,
          user: {
            id: this.options.botUserId,
            username: "distillery",
            discriminator: "0",
            global_name: "Distillery",
            avatar: null,
            bot: true,
            flags: 0,
          },
          guilds: [],
          session_id: `session-${this.identifies.length}`,
          resume_gateway_url: "ws://127.0.0.1/gateway",
          shard: [0, 1],
          application: { id: this.options.applicationId, flags: 0 },
        });
        this.onIdentify();
      }
    });
    socket.on("close", () => this.sessions.delete(session));
  }

  private send(session: { socket: WebSocket; seq: number }, event: string, data: unknown): void {
    session.seq += 1;
    session.socket.send(JSON.stringify({ op: 0, t: event, s: session.seq, d: data }));
  }

  /** Number of identified, open sessions (one per running bot). */
  get connected(): number {
    return [...this.sessions].filter((s) => s.socket.readyState === WebSocket.OPEN).length;
  }

  /** Sends a dispatch to every identified session. */
  dispatch(event: string, data: unknown): void {
    if (this.connected === 0) throw new Error(`Discord stand-in: no bot connected to receive ${event}`);
    for (const session of this.sessions)
      if (session.socket.readyState === WebSocket.OPEN) this.send(session, event, data);
  }

  close(): Promise<void> {
    for (const session of this.sessions) session.socket.terminate();
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }
}
