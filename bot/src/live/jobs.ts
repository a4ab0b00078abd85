/**
 * @module
 * Live job messages. One WebSocket to the edge's `/v1/events` (bot token) receives a `snapshot` of every
 * unfinished job and then `job.updated` on each change; every job that has a chat message (`notify`,
 * stored on the job by the edge) gets that message edited through Discord REST, throttled per message
 * (`EditThrottle`). Because the message ids live on the jobs, a restarted bot picks up where the last
 * one stopped: the snapshot it receives on connecting names every job still in flight and its message.
 * A drift audit's alert (`filter.drift_alert`) is handed to `onDriftAlert`, which posts it with its chart.
 * The socket reconnects with backoff when the edge restarts or goes away.
 */
import { type DriftAlertEvent, type Job, jobEventSchema, TERMINAL_JOB_STATES } from "@distillery/shared";
import type { APIEmbed } from "discord.js";
import WebSocket from "ws";
import { jobEmbed } from "../format/job";
import { EditThrottle } from "./throttle";

export type MessageEdit = { embeds: APIEmbed[]; components: [] };

export type LiveJobsOptions = {
  edgeUrl: string;
  token: string | undefined;
  /** Edits a channel message (the bot's Discord REST). */
  editMessage(channelId: string, messageId: string, edit: MessageEdit): Promise<void>;
  intervalMs?: number;
  log?: (line: string) => void;
  /** Posts a drift audit's alert (`filter.drift_alert`); unset: the alert is only logged. */
  onDriftAlert?: (event: DriftAlertEvent) => Promise<void>;
};

const MAX_BACKOFF_MS = 15_000;

export class LiveJobs {
  private socket: WebSocket | null = null;
  private throttle: EditThrottle<Job>;
  private notifyOf = new Map<string, NonNullable<Job["notify"]>>();
  /** Per job, the `updated_at` (epoch ms) of the newest snapshot taken; kept after the job ends. */
  private updatedAt = new Map<string, number>();
  private stopped = false;
  private backoffMs = 500;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private log: (line: string) => void;
  private onOpen: (() => void)[] = [];
  /** Number of times the stream has connected. */
  connections = 0;

  constructor(private options: LiveJobsOptions) {
    this.log = options.log ?? ((line) => console.log(line));
    this.throttle = new EditThrottle<Job>(
      async (_key, job) => {
        const notify = job.notify ?? this.notifyOf.get(job.id);
        if (!notify) return;
        await this.options.editMessage(notify.channel_id, notify.message_id, {
          embeds: [jobEmbed(job)],
          components: [],
        });
      },
      {
        intervalMs: options.intervalMs,
        onError: (key, error) => this.log(`live: editing ${key} failed: ${String(error)}`),
      },
    );
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  /** Starts following a job whose message was just posted (before the stream reports it). */
  follow(job: Job): void {
    if (job.notify) this.notifyOf.set(job.id, job.notify);
  }

  private connect(): void {
    const url = new URL("/v1/events", this.options.edgeUrl);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    const headers: Record<string, string> = this.options.token
      ? { authorization: `Bearer ${this.options.token}` }
      : {};
    const socket = new WebSocket(url, { headers });
    this.socket = socket;
    socket.on("open", () => {
      this.connections += 1;
      this.backoffMs = 500;
      for (const resolve of this.onOpen.splice(0)) resolve();
      this.log(`live: connected to ${url.origin}/v1/events`);
    });
    socket.on("message", (data) => this.receive(data.toString()));
    socket.on("error", (error) => this.log(`live: event stream error: ${error.message}`));
    socket.on("close", () => {
      if (this.socket === socket) this.socket = null;
      if (this.stopped) return;
      this.reconnectTimer = setTimeout(() => this.connect(), this.backoffMs);
      this.backoffMs = Math.min(MAX_BACKOFF_MS, this.backoffMs * 2);
    });
  }

  private receive(text: string): void {
    const parsed = jobEventSchema.safeParse(JSON.parse(text));
    if (!parsed.success) {
      this.log(`live: ignoring an event that does not match the schema: ${parsed.error.issues[0]?.message}`);
      return;
    }
    const event = parsed.data;
    if (event.type === "snapshot") for (const job of event.jobs) this.update(job);
    if (event.type === "job.updated") this.update(event.job);
    if (event.type === "filter.drift_alert") this.alert(event);
  }

  private alert(event: DriftAlertEvent): void {
    const post = this.options.onDriftAlert;
    if (!post) {
      this.log(`live: drift alert for ${event.point.filter} (audit ${event.point.id}); no alert channel set`);
      return;
    }
    post(event).catch((error) =>
      this.log(`live: posting the drift alert ${event.point.id} failed: ${String(error)}`),
    );
  }

  private update(job: Job): void {
    const notify = job.notify ?? this.notifyOf.get(job.id);
    if (!notify) return;
    // The edge handles a node's messages concurrently, so two changes of one job can be published in
    // the other order than they were written: never let an older snapshot replace a newer one.
    const at = Date.parse(job.updated_at);
    if (at < (this.updatedAt.get(job.id) ?? Number.NEGATIVE_INFINITY)) return;
    this.updatedAt.set(job.id, at);
    this.notifyOf.set(job.id, notify);
    this.throttle.push(job.id, { ...job, notify });
    if (TERMINAL_JOB_STATES.includes(job.state)) this.notifyOf.delete(job.id);
  }

  /** Resolves when the event stream is open (now, or at its next connection). */
  whenConnected(): Promise<void> {
    return this.connected ? Promise.resolve() : new Promise((resolve) => this.onOpen.push(resolve));
  }

  /** Whether the event stream is open now. */
  get connected(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    await this.throttle.idle();
    this.throttle.stop();
    this.socket?.close();
  }
}
