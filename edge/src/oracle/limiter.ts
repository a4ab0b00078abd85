/**
 * @module
 * `OracleLimiter`, the Durable Object every oracle consumer asks before calling Gemini, so that all
 * of them together stay under the quota (requests and tokens per minute).
 * Responsibilities:
 * - hold one token-bucket pair per quota (`bucket.ts`), in memory and in storage;
 * - `reserve(tokens, limits)` (RPC): give the caller the next free slot (first come, first served,
 *   calls spaced evenly at the quota) and say how long it must wait for it;
 * - reload its state inside `blockConcurrencyWhile`, so an evicted object resumes where it was.
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { type BucketLimits, type BucketState, fullBuckets, reserve } from "./bucket";

export class OracleLimiter extends DurableObject<Env> {
  private state: BucketState | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      this.state = (await ctx.storage.get<BucketState>("buckets")) ?? null;
    });
  }

  /** Reserves one call of `tokens` tokens; resolves to the milliseconds to wait before making it. */
  async reserve(tokens: number, limits: BucketLimits): Promise<number> {
    const now = Date.now();
    const current = this.state ?? fullBuckets(limits, now);
    const result = reserve(current, now, tokens, limits);
    this.state = result.state;
    await this.ctx.storage.put("buckets", this.state);
    return result.waitMs;
  }
}
