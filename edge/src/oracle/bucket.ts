/**
 * @module
 * The token-bucket arithmetic of the oracle rate limiter, kept pure so it can be tested without a
 * Durable Object. Two buckets (requests and tokens per minute). Each holds a small burst and
 * refills continuously, so that no window of a minute (and `LATE_ARRIVAL_MS`) sees more than the
 * quota: such a window starts with at most the burst in the bucket and gains `limit - burst` in it.
 * A backlog of callers gets the refill and never the burst, so the request burst is one call
 * (calls are spaced evenly): a backlog gets 98.4% of the quota, where a 10% burst held it to 90%.
 * The token bucket keeps a tenth of the minute's tokens: it must hold the largest call (a call larger
 * than the burst can exceed a window by its excess), and tests and local stacks rely on it to start
 * a few dozen calls at once under the default 1M tokens per minute.
 *
 * Reservations are served first come, first served: each one is given the earliest time both
 * buckets hold its units, at or after the previous reservation's time, and both buckets are charged
 * at that time. The state therefore records the time of the latest reserved call, which may lie in
 * the future while callers queue; a later caller is scheduled after it.
 */

export type BucketLimits = { rpm: number; tpm: number };
/** Units left in each bucket right after the latest reserved call, scheduled at `updatedAt`. */
export type BucketState = { requests: number; tokens: number; updatedAt: number };

/** Requests a full bucket holds. */
export const REQUEST_BURST = 1;
/** Share of the minute's tokens a full bucket holds. */
export const TOKEN_BURST_SHARE = 0.1;
/**
 * How late a call may reach the API, relative to the others, without breaking the quota there.
 * The bench saw calls bunch up by 0.8 s on a loaded 2-core machine at 2,000 RPM.
 */
export const LATE_ARRIVAL_MS = 1_000;

type BucketShape = { burst: number; perMs: number };

/**
 * Continuous refill of a bucket of `perMinute` units holding `burst` at most: `limit - burst` per
 * minute and `LATE_ARRIVAL_MS`. The API counts calls when they arrive, and a call can arrive late
 * (a busy event loop, a slow connection) while the next one is on time; spread over a minute and a
 * second, the quota still holds for calls that bunch up by as much as a second.
 */
function bucketShape(perMinute: number, burst: number): BucketShape {
  const perMs = Math.max(perMinute - burst, perMinute * 0.5) / (60_000 + LATE_ARRIVAL_MS);
  return { burst, perMs };
}

function tokenBurst(tpm: number): number {
  return Math.max(1, Math.floor(tpm * TOKEN_BURST_SHARE));
}

/** A full bucket pair at `now`. */
export function fullBuckets(limits: BucketLimits, now: number): BucketState {
  return { requests: REQUEST_BURST, tokens: tokenBurst(limits.tpm), updatedAt: now };
}

/** Level of one bucket `elapsedMs` after it held `level`, capped at `capacity`. */
function refilled(level: number, elapsedMs: number, shape: BucketShape, capacity: number): number {
  return Math.min(capacity, level + elapsedMs * shape.perMs);
}

/**
 * Reserves one request of `tokens` tokens; returns the new state and the wait in milliseconds
 * before the call may be made. A call larger than the token burst goes once the bucket has refilled
 * its size (otherwise it could never go).
 * @example
 * const { state, waitMs } = reserve(state, Date.now(), 2_000, { rpm: 150, tpm: 1_000_000 });
 */
export function reserve(
  state: BucketState,
  now: number,
  tokens: number,
  limits: BucketLimits,
): { state: BucketState; waitMs: number } {
  const requestShape = bucketShape(limits.rpm, REQUEST_BURST);
  const tokenShape = bucketShape(limits.tpm, tokenBurst(limits.tpm));
  const requestCapacity = requestShape.burst;
  const tokenCapacity = Math.max(tokenShape.burst, tokens);
  // Queue behind the latest reservation: never before it, whatever the caller's clock says.
  const base = Math.max(now, state.updatedAt);
  const requestsAtBase = refilled(state.requests, base - state.updatedAt, requestShape, requestCapacity);
  const tokensAtBase = refilled(state.tokens, base - state.updatedAt, tokenShape, tokenCapacity);
  const waitAfterBase = Math.max(
    0,
    (1 - requestsAtBase) / requestShape.perMs,
    (tokens - tokensAtBase) / tokenShape.perMs,
  );
  // The state keeps the exact time; only the caller's wait is rounded up, so rounding never
  // accumulates into lost refill (at 600 RPM a whole millisecond per call is 1% of the quota).
  const callAt = base + waitAfterBase;
  return {
    state: {
      requests: refilled(requestsAtBase, waitAfterBase, requestShape, requestCapacity) - 1,
      tokens: refilled(tokensAtBase, waitAfterBase, tokenShape, tokenCapacity) - tokens,
      updatedAt: callAt,
    },
    waitMs: Math.ceil(callAt - now),
  };
}
