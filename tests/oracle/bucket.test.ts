/**
 * The limiter's token buckets, on a simulated clock: however callers arrive (all at once, steadily,
 * many consumers retrying at random), no 60-second window holds more calls or tokens than the quota,
 * and callers that always have work waiting get all of it but one call a minute (the quota is
 * used, not wasted). Callers queue first come, first served, and both quotas are charged when the call is made.
 */
import { seededRandom } from "@distillery/shared";
import { describe, expect, it } from "vitest";
import {
  type BucketLimits,
  type BucketState,
  fullBuckets,
  REQUEST_BURST,
  reserve,
} from "../../edge/src/oracle/bucket";

type Call = { at: number; tokens: number };

/** Simulated call times when callers reserve at `arrivals` and each waits as told. */
function schedule(arrivals: number[], limits: BucketLimits, tokens: number | number[] = 1_000): Call[] {
  let state = fullBuckets(limits, 0);
  return arrivals.map((arrival, i) => {
    const size = Array.isArray(tokens) ? (tokens[i] ?? 1_000) : tokens;
    const result = reserve(state, arrival, size, limits);
    state = result.state;
    return { at: arrival + result.waitMs, tokens: size };
  });
}

/** The most calls, and the most tokens, started within any 60-second window. */
function busiestMinute(calls: Call[]): { calls: number; tokens: number } {
  const sorted = [...calls].sort((a, b) => a.at - b.at);
  let best = { calls: 0, tokens: 0 };
  let first = 0;
  let tokens = 0;
  for (let last = 0; last < sorted.length; last++) {
    tokens += sorted[last]!.tokens;
    while (sorted[last]!.at - sorted[first]!.at >= 60_000) tokens -= sorted[first++]!.tokens;
    best = { calls: Math.max(best.calls, last - first + 1), tokens: Math.max(best.tokens, tokens) };
  }
  return best;
}

/** Calls started in [from, to), per minute. */
function ratePerMinute(calls: Call[], from: number, to: number): number {
  return (calls.filter((call) => call.at >= from && call.at < to).length / (to - from)) * 60_000;
}

/**
 * `consumers` callers that each reserve, wait, "call", and come back after `busyMs` (with a
 * seeded share of them backing off for longer, as after a 429): the pattern the Durable Object sees.
 */
function consumersRetrying(consumers: number, limits: BucketLimits, until: number, seed: number): Call[] {
  const random = seededRandom(seed);
  let state: BucketState = fullBuckets(limits, 0);
  const calls: Call[] = [];
  const arrivals = Array.from({ length: consumers }, () => Math.floor(random() * 50));
  while (arrivals.length > 0) {
    arrivals.sort((a, b) => a - b);
    const now = arrivals.shift()!;
    if (now >= until) continue;
    const tokens = 1_500 + Math.floor(random() * 2_000);
    const result = reserve(state, now, tokens, limits);
    state = result.state;
    const at = now + result.waitMs;
    calls.push({ at, tokens });
    const busyMs = random() < 0.05 ? 1_000 + random() * 4_000 : 1_000 + random() * 1_000;
    arrivals.push(Math.floor(at + busyMs));
  }
  return calls;
}

describe("limiter buckets", () => {
  it("never lets a 60-second window exceed the requests-per-minute quota", () => {
    for (const rpm of [1, 10, 150, 600, 2_000]) {
      const limits = { rpm, tpm: 100_000_000 };
      const everyoneAtOnce = schedule(new Array(rpm * 4).fill(0), limits);
      expect(busiestMinute(everyoneAtOnce).calls).toBeLessThanOrEqual(rpm);
      const steady = schedule(
        Array.from({ length: rpm * 4 }, (_, i) => i * 10),
        limits,
      );
      expect(busiestMinute(steady).calls).toBeLessThanOrEqual(rpm);
    }
  });

  it("uses the quota: a backlog of callers gets all but one call of it, from the first minute on", () => {
    for (const rpm of [150, 600, 2_000]) {
      const calls = schedule(new Array(rpm * 3).fill(0), { rpm, tpm: 100_000_000 });
      expect(ratePerMinute(calls, 0, 60_000)).toBeGreaterThanOrEqual(rpm - 1);
      expect(ratePerMinute(calls, 60_000, 120_000)).toBeGreaterThanOrEqual(rpm - 1);
      expect(busiestMinute(calls).calls).toBeLessThanOrEqual(rpm);
    }
  });

  it("starts with one call, then spaces calls evenly", () => {
    const calls = schedule(new Array(100).fill(0), { rpm: 2_000, tpm: 100_000_000 });
    const atOnce = calls.filter((call) => call.at === 0).length;
    expect(atOnce).toBe(REQUEST_BURST);
    const gaps = calls.slice(atOnce).map((call, i) => call.at - (calls[atOnce + i - 1]?.at ?? 0));
    expect(Math.max(...gaps)).toBeLessThanOrEqual(31);
  });

  it("holds calls back by tokens per minute too", () => {
    const calls = schedule(new Array(100).fill(0), { rpm: 1_000, tpm: 1_000_000 }, 50_000);
    expect(busiestMinute(calls).tokens).toBeLessThanOrEqual(1_000_000);
    expect(busiestMinute(calls).calls).toBeLessThanOrEqual(20);
  });

  it("keeps many consumers that retry at random under both quotas, and near the binding one", () => {
    const byRequests = consumersRetrying(80, { rpm: 2_000, tpm: 8_000_000 }, 180_000, 7);
    expect(busiestMinute(byRequests).calls).toBeLessThanOrEqual(2_000);
    expect(busiestMinute(byRequests).tokens).toBeLessThanOrEqual(8_000_000);
    expect(ratePerMinute(byRequests, 0, 180_000)).toBeGreaterThanOrEqual(2_000 * 0.99);

    const byTokens = consumersRetrying(80, { rpm: 2_000, tpm: 3_000_000 }, 180_000, 8);
    expect(busiestMinute(byTokens).calls).toBeLessThanOrEqual(2_000);
    expect(busiestMinute(byTokens).tokens).toBeLessThanOrEqual(3_000_000);
    const tokensPerMinute = (byTokens.reduce((sum, call) => sum + call.tokens, 0) / 180_000) * 60_000;
    // The token bucket keeps a 10% burst, which a backlog cannot use.
    expect(tokensPerMinute).toBeGreaterThanOrEqual(3_000_000 * 0.89);
  });

  it("serves callers first come, first served, even when a caller's clock is behind the queue", () => {
    const limits = { rpm: 600, tpm: 100_000_000 };
    let state = fullBuckets(limits, 1_000);
    const times: number[] = [];
    for (const now of [1_000, 1_000, 1_000, 1_050, 1_010, 1_400]) {
      const result = reserve(state, now, 1_000, limits);
      state = result.state;
      times.push(now + result.waitMs);
    }
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(new Set(times).size).toBe(times.length);
  });

  it("charges the token quota when the call is made, not when it was queued", () => {
    // Requests bind first: ten calls queue behind the request bucket. The token bucket must count
    // them at the times they go, so a large call after them still waits for its tokens.
    const limits = { rpm: 6, tpm: 60_000 };
    const calls = schedule(
      [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 70_000],
      limits,
      [5_000, 5_000, 5_000, 5_000, 5_000, 5_000, 5_000, 5_000, 5_000, 5_000, 30_000],
    );
    expect(busiestMinute(calls).tokens).toBeLessThanOrEqual(60_000);
    expect(busiestMinute(calls).calls).toBeLessThanOrEqual(6);
  });

  it("resumes from a stored state of the earlier format, debt included", () => {
    const limits = { rpm: 600, tpm: 100_000_000 };
    const owing: BucketState = { requests: -5, tokens: 0, updatedAt: 10_000 };
    const { waitMs } = reserve(owing, 10_000, 1_000, limits);
    // Six requests' refill (five owed, one for this call) at 599 a minute.
    expect(waitMs).toBe(Math.ceil(6 / (599 / 60_000)));
  });
});
