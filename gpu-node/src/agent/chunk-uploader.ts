/**
 * @module
 * Uploads prediction chunk files over the hub socket as `job.chunk` messages with a bounded window of
 * unacknowledged chunks. Python never waits on it: it writes chunk files and moves on, this reads them
 * as the window allows. Unacknowledged chunks are resent after a reconnect; the hub stores a chunk once
 * however often it arrives (idempotent by job + shard + chunk index).
 */
import { readFile } from "node:fs/promises";

export type ChunkUploaderOptions = {
  jobId: string;
  leaseId: string;
  shard: number;
  /** Sends serialised text; false when disconnected (kept in flight and resent by `resendAll`). */
  sendText: (text: string) => boolean;
  /** Most chunks sent but not yet acknowledged. */
  window?: number;
  onAcked?: (predictions: number) => void;
};

type InFlight = { text: string; count: number };

export class ChunkUploader {
  private readonly queue: { index: number; path: string }[] = [];
  private readonly inFlight = new Map<number, InFlight>();
  private pumping = false;
  private drainWaiters: (() => void)[] = [];
  private failure: Error | null = null;
  acknowledged = 0;

  constructor(private readonly options: ChunkUploaderOptions) {}

  /** Chunks handed to the uploader so far. */
  enqueued = 0;

  enqueue(index: number, path: string): void {
    this.enqueued += 1;
    this.queue.push({ index, path });
    void this.pump();
  }

  ack(index: number): void {
    const entry = this.inFlight.get(index);
    if (!entry) return;
    this.inFlight.delete(index);
    this.acknowledged += entry.count;
    this.options.onAcked?.(entry.count);
    void this.pump();
  }

  resendAll(): void {
    for (const entry of this.inFlight.values()) if (!this.options.sendText(entry.text)) return;
  }

  /** Resolves when every enqueued chunk has been acknowledged; rejects if a chunk file could not be read. */
  drain(): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.failure) reject(this.failure);
        else if (this.queue.length === 0 && this.inFlight.size === 0 && !this.pumping) resolve();
        else this.drainWaiters.push(check);
      };
      check();
    });
  }

  private notify(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const waiter of waiters) waiter();
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length > 0 && this.inFlight.size < (this.options.window ?? 16)) {
        const next = this.queue.shift()!;
        const lines = (await readFile(next.path, "utf8")).split("\n").filter((line) => line.trim() !== "");
        // Parsing proves each line is JSON; the hub validates the shape, so it is not re-checked here.
        for (const line of lines) JSON.parse(line);
        const text =
          `{"type":"job.chunk","job_id":${JSON.stringify(this.options.jobId)},` +
          `"lease_id":${JSON.stringify(this.options.leaseId)},"shard":${this.options.shard},` +
          `"chunk_index":${next.index},"predictions":[${lines.join(",")}]}`;
        this.inFlight.set(next.index, { text, count: lines.length });
        this.options.sendText(text);
      }
    } catch (error) {
      this.failure = error as Error;
    } finally {
      this.pumping = false;
      this.notify();
    }
  }
}
