import { describe, expect, it } from "vitest";
import { exampleFilter } from "../testing/example-filter";
import { needleMetrics } from "./needle";
import { needleSection, needleVerdict } from "./needle-report";

const filter = exampleFilter();
const s = (overall: number) => ({ deployment: overall, impact: overall, evidence: overall });
const pairsOf = (oracle: number[], student: number[]) =>
  oracle.map((o, i) => ({ oracle: s(o), student: s(student[i]!) }));

describe("needleVerdict", () => {
  it("counts what the student finds and how many of its calls are right", () => {
    const needle = needleMetrics(filter, pairsOf([9, 8, 5, 2, 7], [8, 5, 7.5, 3, 7]));
    expect(needleVerdict(needle)).toBe(
      "Top tier 'high' (3 of 5 test articles by the oracle): the student finds 2 (recall 66.7%); 2 of its 3 top-tier calls are right (precision 66.7%).",
    );
  });

  it("says when the student calls nothing top tier, and when the test split has no top-tier article", () => {
    expect(needleVerdict(needleMetrics(filter, pairsOf([9, 5], [6, 5])))).toBe(
      "Top tier 'high' (1 of 2 test articles by the oracle): the student finds 0 (recall 0%); it puts no test article there.",
    );
    expect(needleVerdict(needleMetrics(filter, pairsOf([5, 6], [8, 5]), { topTiers: 1 }))).toBe(
      "Top tier 'high': no test article is there by the oracle's scores, so this test split cannot tell whether the student finds them.",
    );
  });
});

describe("needleSection", () => {
  it("gives the lexical baseline's reason when there is none, and nothing on an empty test split", () => {
    const pairs = pairsOf([9, 5], [8, 5]);
    const section = needleSection(
      filter,
      { student: pairs, constant: pairs, lexical: null },
      "no train split",
    );
    expect(section.baselines_needle).toMatchObject({ lexical: null, constant: { recall: 1 } });
    expect(section.missing).toEqual({ "baselines_needle.lexical": "no train split" });
    expect(needleSection(filter, { student: [], constant: [], lexical: [] }, undefined)).toEqual({
      needle: null,
      baselines_needle: null,
      missing: { needle: "the test split is empty", baselines_needle: "the test split is empty" },
      verdict: null,
    });
  });
});
