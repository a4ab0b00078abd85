/**
 * The limiter's token buckets: however callers arrive, no 60-second window holds more calls than the
 * quota, and a steady stream gets close to it (the quota is used, not wasted).
 */
import { describe, expect, it } from "vitest";
import { fullBuckets, reserve } from "../../edge/src/oracle/bucket";

/** Simulated call start times when `callers` arrive at `arrivals` and each waits as told. */
function schedule(arrivals: number[], rpm: number, tokens = 1_000, tpm = 10_000_000): number[] {
  let state = fullBuckets({ rpm, tpm }, 0);
  return arrivals.map((at) => {
    const result = reserve(state, at, tokens, { rpm, tpm });
    state = result.state;
    return at + result.waitMs;
  });
}

function busiestMinute(starts: number[]): number {
  const sorted = [...starts].sort((a, b) => a - b);
  let best = 0;
  let first = 0;
  for (let last = 0; last < sorted.length; last++) {
    while (sorted[last]! - sorted[first]! >= 60_000) first++;
    best = Math.max(best, last - first + 1);
  }
  return best;
}

describe("limiter buckets", () => {
  it("never lets a 60-second window exceed the requests-per-minute quota", () => {
    for (const rpm of [10, 150, 1_000]) {
      const everyoneAtOnce = schedule(new Array(rpm * 4).fill(0), rpm);
      expect(busiestMinute(everyoneAtOnce)).toBeLessThanOrEqual(rpm);
      const steady = schedule(
        Array.from({ length: rpm * 4 }, (_, i) => i * 10),
        rpm,
      );
      expect(busiestMinute(steady)).toBeLessThanOrEqual(rpm);
      if (rpm >= 150) expect(busiestMinute(steady)).toBeGreaterThanOrEqual(rpm * 0.95);
    }
  });

  it("holds calls back by tokens per minute too", () => {
    const starts = schedule(new Array(100).fill(0), 1_000, 50_000, 1_000_000);
    expect(busiestMinute(starts)).toBeLessThanOrEqual(20);
  });
});
