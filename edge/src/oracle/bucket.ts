/**
 * @module
 * The token-bucket arithmetic of the oracle rate limiter, kept pure so it can be tested without a
 * Durable Object. Two buckets (requests and tokens per minute). Each holds a small burst (10% of
 * the minute's quota) and refills at the rest of the quota, so that no 60-second window ever sees
 * more than the quota: burst + refill per minute = limit. A caller reserves capacity and is told how
 * long to wait; reservations may drive a bucket negative, which queues later callers behind it.
 */

export type BucketLimits = { rpm: number; tpm: number };
export type BucketState = { requests: number; tokens: number; updatedAt: number };

const BURST_SHARE = 0.1;

function shape(perMinute: number) {
  const burst = Math.max(1, Math.floor(perMinute * BURST_SHARE));
  const perMs = Math.max(perMinute - burst, perMinute * 0.5) / 60_000;
  return { burst, perMs };
}

/** A full bucket pair at `now`. */
export function fullBuckets(limits: BucketLimits, now: number): BucketState {
  return { requests: shape(limits.rpm).burst, tokens: shape(limits.tpm).burst, updatedAt: now };
}

/**
 * Reserves one request of `tokens` tokens; returns the new state and the wait in milliseconds.
 * @example
 * const { state, waitMs } = reserve(state, Date.now(), 2_000, { rpm: 150, tpm: 1_000_000 });
 */
export function reserve(
  state: BucketState,
  now: number,
  tokens: number,
  limits: BucketLimits,
): { state: BucketState; waitMs: number } {
  const requestShape = shape(limits.rpm);
  const tokenShape = shape(limits.tpm);
  const elapsed = Math.max(0, now - state.updatedAt);
  const requests = Math.min(requestShape.burst, state.requests + elapsed * requestShape.perMs) - 1;
  const tokenLevel = Math.min(tokenShape.burst, state.tokens + elapsed * tokenShape.perMs) - tokens;
  const waitMs = Math.max(
    requests < 0 ? -requests / requestShape.perMs : 0,
    tokenLevel < 0 ? -tokenLevel / tokenShape.perMs : 0,
  );
  return { state: { requests, tokens: tokenLevel, updatedAt: now }, waitMs: Math.ceil(waitMs) };
}
