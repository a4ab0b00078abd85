/**
 * @module
 * What the Discord stand-in remembers: every REST call it answered (method, route, JSON body or
 * multipart `payload_json` plus `files[n]` parts) and the current state of every message the bot
 * created or edited, so a test can assert on what a Discord user would see. `waitFor` resolves
 * when a condition on that state holds, checked after every call (no polling, no sleeps).
 */

export type RecordedFile = { field: string; name: string; contentType: string; bytes: Buffer };

export type RecordedCall = {
  method: string;
  /** Path below `/api/v10`, e.g. `/interactions/1/tok/callback`. */
  path: string;
  query: URLSearchParams;
  auth: string | null;
  body: Record<string, unknown> | null;
  files: RecordedFile[];
  at: number;
};

export type StoredMessage = {
  id: string;
  channel_id: string;
  /** The interaction whose reply this is (its token reaches it as `@original`). */
  interaction_token: string | null;
  content: string;
  embeds: Record<string, unknown>[];
  components: Record<string, unknown>[];
  attachments: RecordedFile[];
  flags: number;
  edits: number;
};

type Waiter = {
  check: () => boolean;
  resolve: () => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
};

export class DiscordStore {
  readonly calls: RecordedCall[] = [];
  readonly messages = new Map<string, StoredMessage>();
  /** Interaction tokens issued, with their channel and the message a clicked button sat on. */
  readonly interactions = new Map<string, { channelId: string; messageId: string | null }>();
  private waiters = new Set<Waiter>();
  private nextId = 1_000_000_000_000_000n;

  snowflake(): string {
    this.nextId += 1n;
    return this.nextId.toString();
  }

  record(call: RecordedCall): void {
    this.calls.push(call);
    this.changed();
  }

  /** The message an interaction's `@original` refers to. */
  original(token: string): StoredMessage | undefined {
    return [...this.messages.values()].find((m) => m.interaction_token === token);
  }

  /** Re-checks every pending `waitFor`. */
  changed(): void {
    for (const waiter of this.waiters) {
      if (waiter.check()) {
        clearTimeout(waiter.timer);
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  /** Resolves once `check` holds (checked now and after every change), or rejects after `timeoutMs`. */
  waitFor(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        check,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(new Error(`Discord stand-in: timed out after ${timeoutMs} ms waiting for ${what}`));
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  close(): void {
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error("Discord stand-in closed"));
    }
    this.waiters.clear();
  }
}
