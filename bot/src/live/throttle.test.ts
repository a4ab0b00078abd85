import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { EditThrottle } from "./throttle";

describe("EditThrottle", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("sends at most one edit per interval per message, always the latest, and never drops the last", async () => {
    const sent: [number, string, number][] = [];
    const throttle = new EditThrottle<number>(async (key, state) => {
      sent.push([Date.now(), key, state]);
    });
    const start = Date.now();
    for (let i = 1; i <= 10; i++) {
      throttle.push("m1", i);
      await vi.advanceTimersByTimeAsync(100);
    }
    throttle.push("m2", 99);
    await vi.advanceTimersByTimeAsync(5_000);
    const m1 = sent.filter(([, key]) => key === "m1");
    expect(m1.map(([, , s]) => s)).toEqual([1, 10]);
    expect(m1[1]![0] - m1[0]![0]).toBeGreaterThanOrEqual(1_500);
    expect(m1[0]![0]).toBe(start);
    expect(sent.find(([, key]) => key === "m2")?.[2]).toBe(99);
  });

  it("keeps going after a failed edit", async () => {
    const sent: number[] = [];
    const failures: string[] = [];
    const throttle = new EditThrottle<number>(
      async (_key, state) => {
        if (state === 1) throw new Error("429");
        sent.push(state);
      },
      { onError: (key, error) => failures.push(`${key}: ${(error as Error).message}`) },
    );
    throttle.push("m", 1);
    await vi.advanceTimersByTimeAsync(10);
    throttle.push("m", 2);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(sent).toEqual([2]);
    expect(failures).toEqual(["m: 429"]);
  });
});
