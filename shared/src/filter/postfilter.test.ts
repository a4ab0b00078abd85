import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DistilleryError } from "../errors";
import { exampleFilter } from "../testing/example-filter";
import { postfilter, tierFor } from "./postfilter";

const filter = exampleFilter();
const score = fc.double({ min: 0, max: 10, noNaN: true });
const scores = fc.record({ deployment: score, impact: score, evidence: score });
const contentType = fc.constantFrom("news", "press_release", undefined);

describe("postfilter", () => {
  it("computes the weighted mean and its tier", () => {
    expect(postfilter(filter, { deployment: 8, impact: 6, evidence: 5 })).toEqual({
      overall: 6.8,
      raw_overall: 6.8,
      tier: "medium",
      caps: [],
    });
    expect(postfilter(filter, { deployment: 9, impact: 9, evidence: 9 }).tier).toBe("high");
  });

  it("caps a lab-only technology through the gatekeeper", () => {
    const result = postfilter(filter, { deployment: 2, impact: 10, evidence: 10 });
    expect(result).toEqual({ overall: 3, raw_overall: 6, tier: "low", caps: ["gatekeeper:deployment"] });
  });

  it("caps by category value and applies the lowest of several caps", () => {
    expect(
      postfilter(filter, { deployment: 9, impact: 9, evidence: 9 }, { content_type: "press_release" }),
    ).toMatchObject({
      overall: 5,
      tier: "medium",
      caps: ["content_type:press_release"],
    });
    expect(
      postfilter(filter, { deployment: 1, impact: 9, evidence: 9 }, { content_type: "press_release" }),
    ).toMatchObject({
      overall: 3,
      caps: ["gatekeeper:deployment", "content_type:press_release"],
    });
  });

  it("refuses scores with a missing dimension", () => {
    expect(() => postfilter(filter, { deployment: 1, impact: 2 })).toThrow(DistilleryError);
  });

  it("keeps the overall score in [0, 10]", () => {
    fc.assert(
      fc.property(scores, contentType, (s, ct) => {
        const { overall } = postfilter(filter, s, ct ? { content_type: ct } : {});
        return overall >= 0 && overall <= 10;
      }),
    );
  });

  it("caps only ever lower the score", () => {
    fc.assert(
      fc.property(scores, contentType, (s, ct) => {
        const result = postfilter(filter, s, ct ? { content_type: ct } : {});
        return result.overall <= result.raw_overall + 0.005;
      }),
    );
  });

  it("never raises the overall score when a dimension score drops (monotone)", () => {
    fc.assert(
      fc.property(scores, fc.constantFrom("deployment", "impact", "evidence"), score, (s, key, drop) => {
        const lower = { ...s, [key]: Math.min(s[key as keyof typeof s], drop) };
        return postfilter(filter, lower).overall <= postfilter(filter, s).overall;
      }),
    );
  });

  it("assigns tiers monotonically in the overall score", () => {
    const rank = (tier: string) => filter.tiers.findIndex((t) => t.key === tier);
    fc.assert(
      fc.property(score, score, (a, b) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        return rank(tierFor(filter, high)) <= rank(tierFor(filter, low));
      }),
    );
  });

  it("puts tier boundaries exactly at min_overall", () => {
    expect(tierFor(filter, 7)).toBe("high");
    expect(tierFor(filter, 6.99)).toBe("medium");
    expect(tierFor(filter, 0)).toBe("low");
  });
});
