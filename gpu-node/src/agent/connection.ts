/**
 * @module
 * The agent's WebSocket to the hub: connects with the node token in the `Authorization` header,
 * validates every incoming message with `hubMessageSchema` (an invalid one is logged and dropped),
 * and reconnects with exponential backoff and jitter after any drop — except when the hub refuses the
 * node for good (bad or revoked token, wrong protocol version, replaced by another agent with the same
 * id, a node id registered by another token).
 */
import { type HubMessage, hubMessageSchema, NODE_CLOSE_CODES, type NodeMessage } from "@distillery/shared";
import WebSocket from "ws";

/** Close codes after which reconnecting cannot help. */
const FATAL_CLOSE_CODES = new Set<number>([
  NODE_CLOSE_CODES.unauthorized,
  NODE_CLOSE_CODES.revoked,
  NODE_CLOSE_CODES.forbidden,
  NODE_CLOSE_CODES.protocolVersion,
  NODE_CLOSE_CODES.replaced,
  NODE_CLOSE_CODES.nodeIdTaken,
]);

export type HubConnectionOptions = {
  /** The edge's base URL (http/https); the socket goes to `/v1/nodes/connect` on it. */
  edgeUrl: string;
  token: string;
  onOpen: () => void;
  onMessage: (message: HubMessage) => void;
  /** Called on every close; `fatal` means the connection will not be retried. */
  onClose: (code: number, reason: string, fatal: boolean) => void;
  log: (line: string) => void;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
};

export class HubConnection {
  private socket: WebSocket | null = null;
  private stopped = false;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: HubConnectionOptions) {}

  get connectUrl(): string {
    const url = new URL("/v1/nodes/connect", this.options.edgeUrl);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    return url.toString();
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  /** Closes the socket and stops reconnecting. */
  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.socket?.close(1000, "agent stopping");
  }

  get isOpen(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  /** Sends a message when connected; returns false when it could not (the caller resends later). */
  send(message: NodeMessage | Record<string, unknown>): boolean {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  /** Sends raw text (a message the caller already serialised, e.g. a large chunk kept for resending). */
  sendText(text: string): boolean {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return false;
    this.socket.send(text);
    return true;
  }

  /** Bytes queued on the socket but not yet written: the agent slows down uploads when this grows. */
  get bufferedAmount(): number {
    return this.socket?.bufferedAmount ?? 0;
  }

  private connect(): void {
    const socket = new WebSocket(this.connectUrl, {
      headers: { authorization: `Bearer ${this.options.token}` },
      maxPayload: 64 * 1024 * 1024,
    });
    this.socket = socket;
    socket.on("open", () => {
      this.failures = 0;
      this.options.onOpen();
    });
    socket.on("message", (data) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(data.toString());
      } catch {
        this.options.log("hub sent a message that is not JSON; ignored");
        return;
      }
      const message = hubMessageSchema.safeParse(parsed);
      if (!message.success) {
        this.options.log(`hub sent an invalid message (${message.error.issues[0]?.message}); ignored`);
        return;
      }
      this.options.onMessage(message.data);
    });
    socket.on("unexpected-response", (_request, response) => {
      this.options.log(`hub answered the upgrade with HTTP ${response.statusCode}`);
      socket.terminate();
    });
    socket.on("error", (error) => this.options.log(`connection error: ${error.message}`));
    socket.on("close", (code, reasonBuffer) => {
      if (this.socket === socket) this.socket = null;
      const reason = reasonBuffer.toString();
      const fatal = this.stopped || FATAL_CLOSE_CODES.has(code);
      this.options.onClose(code, reason, fatal);
      if (!fatal) this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    const initial = this.options.initialBackoffMs ?? 500;
    const max = this.options.maxBackoffMs ?? 30_000;
    const delay = Math.min(max, initial * 2 ** this.failures) * (0.5 + Math.random() / 2);
    this.failures += 1;
    this.options.log(`reconnecting in ${(delay / 1000).toFixed(1)}s`);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }
}
