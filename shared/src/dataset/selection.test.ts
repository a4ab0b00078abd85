import { describe, expect, it } from "vitest";
import type { LabelSelection } from "../schemas/label";
import { exampleFilter } from "../testing/example-filter";
import { buildDataset, type DatasetLabel } from "./build";
import { nearDuplicateIndex } from "./near-duplicates";

const filter = exampleFilter();
const WORDS =
  "solar wind grid battery storage heat pump factory policy market price capacity output plant".split(" ");

function body(i: number): string {
  let state = i * 7919 + 13;
  const words: string[] = [];
  for (let k = 0; k < 60; k++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    words.push(WORDS[state % WORDS.length]!);
  }
  return `${words.join(" ")} number ${i}.`;
}

/** `n` labels over the whole score range; `selectionOf(i)` says how article i was chosen. */
function labels(n: number, selectionOf: (i: number) => LabelSelection | undefined): DatasetLabel[] {
  return Array.from({ length: n }, (_, i) => {
    const s = Math.round(((i * 10) / n) * 10) / 10;
    const selection = selectionOf(i);
    return {
      article: {
        id: `a${String(i).padStart(4, "0")}`,
        title: `Story ${i}`,
        body: body(i),
        language: "en",
        source: "s",
      },
      scores: { deployment: s, impact: s, evidence: s },
      categories: { content_type: "news" },
      ...(selection ? { selection } : {}),
    };
  });
}

describe("buildDataset: the test split holds randomly selected labels only", () => {
  it("puts uncertain, named and audit labels in train or validation, never in test", async () => {
    const kinds: LabelSelection[] = ["random", "uncertain", "uncertain", "named", "audit"];
    const input = labels(500, (i) => kinds[i % kinds.length]);
    const { rows, report } = await buildDataset(filter, input, { seed: 5 });
    const selection = new Map(input.map((l) => [l.article.id, l.selection]));
    const test = rows.filter((r) => r.split === "test");
    expect(test.length).toBeGreaterThan(0);
    for (const row of test) expect(selection.get(row.article_id)).toBe("random");
    // The test share of the random labels (100 of them), not of the whole dataset.
    expect(test.length).toBeGreaterThanOrEqual(8);
    expect(test.length).toBeLessThanOrEqual(12);
    expect(report.test_by_selection).toEqual({ random: test.length });
    expect(report.splits.validation).toBeGreaterThanOrEqual(45);
    expect(report.warnings.join(" ")).not.toMatch(/unknown provenance/);
  });

  it("takes labels of unknown provenance as random, and warns about them in test", async () => {
    const input = labels(300, (i) => (i % 2 ? "uncertain" : undefined));
    const { rows, report } = await buildDataset(filter, input, { seed: 5 });
    const test = rows.filter((r) => r.split === "test");
    expect(test.length).toBeGreaterThan(0);
    expect(report.test_by_selection).toEqual({ unknown: test.length });
    expect(report.warnings.join(" ")).toMatch(/unknown provenance.*taken as random/);
  });

  it("leaves the test split empty, and says why, when no label was selected at random", async () => {
    const { report } = await buildDataset(
      filter,
      labels(100, () => "uncertain"),
      { seed: 5 },
    );
    expect(report.splits.test).toBe(0);
    expect(report.warnings.join(" ")).toMatch(/no randomly selected labels/);
  });

  it("splits as before when every label was selected at random", async () => {
    const unknown = await buildDataset(
      filter,
      labels(200, () => undefined),
      { seed: 9 },
    );
    const random = await buildDataset(
      filter,
      labels(200, () => "random"),
      { seed: 9 },
    );
    expect(random.rows.map((r) => r.split)).toEqual(unknown.rows.map((r) => r.split));
    expect(random.report.splits.test).toBe(unknown.report.splits.test);
    expect(random.report.splits.test).toBeGreaterThanOrEqual(18);
    expect(random.report.splits.validation).toBeGreaterThanOrEqual(18);
  });
});

describe("nearDuplicateIndex", () => {
  it("refuses a lightly edited copy of a kept text and keeps different texts", () => {
    const index = nearDuplicateIndex();
    expect(index.add(body(1))).toBe(true);
    expect(index.add(`${body(1)} Photo: Reuters`)).toBe(false);
    expect(index.add(body(2))).toBe(true);
  });
});
