/**
 * @module
 * Per-message edit throttle. Discord allows about 5 edits per 5 s per message; we send at most one
 * edit per `intervalMs` (1.5 s) per key, always the latest state: states that arrive in between
 * replace each other, and the last one is always sent (so the final state is never dropped).
 */

export type ThrottleOptions = {
  intervalMs?: number;
  now?: () => number;
  /** Called when an edit fails; the next state is still sent. Default: logged to stderr. */
  onError?: (key: string, error: unknown) => void;
};

type Slot<T> = {
  lastSentAt: number;
  pending: T | null;
  timer: NodeJS.Timeout | null;
  inFlight: Promise<void> | null;
};

export class EditThrottle<T> {
  private slots = new Map<string, Slot<T>>();
  private intervalMs: number;
  private now: () => number;
  private onError: (key: string, error: unknown) => void;

  constructor(
    private send: (key: string, state: T) => Promise<void>,
    options: ThrottleOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 1_500;
    this.now = options.now ?? Date.now;
    this.onError = options.onError ?? ((key, error) => console.error(`edit of ${key} failed:`, error));
  }

  /** Queues `state` for `key`: sent now if the key is idle, else when its interval has passed. */
  push(key: string, state: T): void {
    const slot = this.slots.get(key) ?? {
      lastSentAt: Number.NEGATIVE_INFINITY,
      pending: null,
      timer: null,
      inFlight: null,
    };
    this.slots.set(key, slot);
    slot.pending = state;
    this.schedule(key, slot);
  }

  private schedule(key: string, slot: Slot<T>): void {
    if (slot.timer || slot.inFlight || slot.pending === null) return;
    const wait = slot.lastSentAt + this.intervalMs - this.now();
    if (wait > 0) {
      slot.timer = setTimeout(() => {
        slot.timer = null;
        this.schedule(key, slot);
      }, wait);
      return;
    }
    const state = slot.pending;
    slot.pending = null;
    slot.lastSentAt = this.now();
    slot.inFlight = this.send(key, state)
      .catch((error: unknown) => this.onError(key, error))
      .finally(() => {
        slot.inFlight = null;
        if (slot.pending === null) return;
        this.schedule(key, slot);
      });
  }

  /** Resolves when nothing is pending or in flight (for shutdown and tests). */
  async idle(): Promise<void> {
    while ([...this.slots.values()].some((s) => s.inFlight || s.timer || s.pending !== null)) {
      await Promise.all([...this.slots.values()].map((s) => s.inFlight));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  stop(): void {
    for (const slot of this.slots.values()) if (slot.timer) clearTimeout(slot.timer);
    this.slots.clear();
  }
}
