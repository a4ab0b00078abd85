/**
 * The limiter's token buckets, on a simulated clock: however callers arrive (all at once, steadily,
 * many consumers retrying at random), no 60-second window holds more calls or tokens than the quota,
 * even when calls reach the API up to a second late, and callers that always have work waiting get
 * more than 98% of it (the quota is used, not wasted). Callers queue first come, first served.
 */
import { seededRandom } from "@distillery/shared";
import { describe, expect, it } from "vitest";
import {
  type BucketLimits,
  type BucketState,
  fullBuckets,
  LATE_ARRIVAL_MS,
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

  it("uses the quota: a backlog of callers gets more than 98% of it, from the first minute on", () => {
    for (const rpm of [150, 600, 2_000]) {
      const calls = schedule(new Array(rpm * 3).fill(0), { rpm, tpm: 100_000_000 });
      expect(ratePerMinute(calls, 0, 60_000)).toBeGreaterThanOrEqual(rpm * 0.98);
      expect(ratePerMinute(calls, 60_000, 120_000)).toBeGreaterThanOrEqual(rpm * 0.98);
      expect(busiestMinute(calls).calls).toBeLessThanOrEqual(rpm);
    }
  });

  it("starts with one call, then spaces calls evenly", () => {
    const calls = schedule(new Array(100).fill(0), { rpm: 2_000, tpm: 100_000_000 });
    const atOnce = calls.filter((call) => call.at === 0).length;
    expect(atOnce).toBe(REQUEST_BURST);
    const gaps = calls.slice(atOnce).map((call, i) => call.at - (calls[atOnce + i - 1]?.at ?? 0));
    expect(Math.max(...gaps)).toBeLessThanOrEqual(32);
  });

  it("holds the quota where calls arrive, when some reach the API up to a second late", () => {
    const random = seededRandom(3);
    for (const rpm of [150, 2_000]) {
      const scheduled = schedule(new Array(rpm * 3).fill(0), { rpm, tpm: 100_000_000 });
      // Whole stretches of calls held up together (a stalled event loop), others on time.
      const arrived = scheduled.map((call) => ({
        ...call,
        at: call.at + (Math.floor(call.at / 5_000) % 2 === 0 ? Math.floor(random() * LATE_ARRIVAL_MS) : 0),
      }));
      expect(busiestMinute(arrived).calls).toBeLessThanOrEqual(rpm);
    }
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
    expect(ratePerMinute(byRequests, 0, 180_000)).toBeGreaterThanOrEqual(2_000 * 0.98);

    const byTokens = consumersRetrying(80, { rpm: 2_000, tpm: 3_000_000 }, 180_000, 8);
    expect(busiestMinute(byTokens).calls).toBeLessThanOrEqual(2_000);
    expect(busiestMinute(byTokens).tokens).toBeLessThanOrEqual(3_000_000);
    const inRun = byTokens.filter((call) => call.at < 180_000);
    const tokensPerMinute = (inRun.reduce((sum, call) => sum + call.tokens, 0) / 180_000) * 60_000;
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

  it("holds both quotas for any arrivals and call sizes (seeded random scenarios)", () => {
    for (let seed = 1; seed <= 300; seed++) {
      const random = seededRandom(seed);
      const limits = { rpm: 1 + Math.floor(random() * 40), tpm: 10_000 + Math.floor(random() * 100_000) };
      let now = 0;
      const arrivals: number[] = [];
      const sizes: number[] = [];
      for (let i = 0; i < 60; i++) {
        now += Math.floor(random() * random() * 20_000);
        arrivals.push(now);
        // Up to the token burst (a tenth of the minute's tokens), the largest call the bound covers.
        sizes.push(100 + Math.floor(random() * random() * limits.tpm * 0.099));
      }
      const busiest = busiestMinute(schedule(arrivals, limits, sizes));
      expect(busiest.calls).toBeLessThanOrEqual(limits.rpm);
      expect(busiest.tokens).toBeLessThanOrEqual(limits.tpm);
    }
  });

  it("resumes from a stored state of the earlier format, debt included", () => {
    const limits = { rpm: 600, tpm: 100_000_000 };
    const owing: BucketState = { requests: -5, tokens: 0, updatedAt: 10_000 };
    const { waitMs } = reserve(owing, 10_000, 1_000, limits);
    // Six requests' refill (five owed, one for this call) at 599 a minute and a second.
    expect(waitMs).toBe(Math.ceil(6 / (599 / (60_000 + LATE_ARRIVAL_MS))));
  });
});
