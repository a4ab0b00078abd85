import { describe, expect, it } from "vitest";
import { formatDuration, formatPercent, formatUsd, progressBar } from "./progress";

describe("progressBar", () => {
  it("fills in proportion to done/total", () => {
    expect(progressBar(3, 10)).toBe(`${"█".repeat(6)}${"░".repeat(14)} 30%`);
    expect(progressBar(0, 10, 10)).toBe(`${"░".repeat(10)} 0%`);
  });

  it("shows a full bar only when everything is done", () => {
    expect(progressBar(999, 1000, 10)).toBe(`${"█".repeat(9)}░ 99%`);
    expect(progressBar(1000, 1000, 10)).toBe(`${"█".repeat(10)} 100%`);
  });

  it("clamps overshoot and shows a count when the total is unknown", () => {
    expect(progressBar(12, 10, 4)).toBe("████ 100%");
    expect(progressBar(1234, null)).toBe("1,234 done");
  });
});

describe("formatting", () => {
  it("writes durations the way people read them", () => {
    expect(formatDuration(45)).toBe("45s");
    expect(formatDuration(185)).toBe("3m 05s");
    expect(formatDuration(7620)).toBe("2h 07m");
    expect(formatDuration(3 * 86_400 + 4 * 3600)).toBe("3d 4h");
  });

  it("writes money and shares", () => {
    expect(formatUsd(12.5)).toBe("$12.50");
    expect(formatUsd(0.0042)).toBe("$0.0042");
    expect(formatPercent(0.8853)).toBe("88.5%");
  });
});
