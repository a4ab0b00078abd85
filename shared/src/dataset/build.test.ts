import { describe, expect, it } from "vitest";
import { datasetReportSchema, datasetRowSchema } from "../schemas/dataset";
import { exampleFilter } from "../testing/example-filter";
import { buildDataset, type DatasetLabel, rowsToJsonl } from "./build";
import { nearDuplicateGroups } from "./near-duplicates";

const filter = exampleFilter();
const WORDS =
  "solar wind grid battery storage heat pump factory policy market price capacity output plant city region year project power energy cost".split(
    " ",
  );

function body(i: number): string {
  let state = i * 7919 + 13;
  const words: string[] = [];
  for (let k = 0; k < 60; k++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    words.push(WORDS[state % WORDS.length]!);
  }
  return `${words.join(" ")} number ${i}.`;
}

/** `n` labels whose overall scores walk over the 0-10 range (so every tier is populated). */
function labels(n: number, tierOf: (i: number) => number = (i) => (i * 10) / n): DatasetLabel[] {
  return Array.from({ length: n }, (_, i) => {
    const s = Math.round(tierOf(i) * 10) / 10;
    return {
      article: {
        id: `a${String(i).padStart(4, "0")}`,
        title: `Story ${i}`,
        body: body(i),
        language: i % 3 ? "en" : "nl",
        source: "src",
      },
      scores: { deployment: s, impact: { score: s, reason: "r" }, evidence: s },
      categories: { content_type: "news" },
    };
  });
}

describe("buildDataset", () => {
  it("splits 80/10/10 within every tier and writes valid rows and report", async () => {
    const { rows, report } = await buildDataset(filter, labels(300), { seed: 1 });
    expect(report.stratified_by).toBe("tier");
    expect(report.total).toBe(300);
    for (const row of rows) datasetRowSchema.parse(row);
    datasetReportSchema.parse(report);
    for (const tier of Object.keys(report.tiers)) {
      const inTier = rows.filter((r) => r.tier === tier);
      const share = (split: string) => inTier.filter((r) => r.split === split).length / inTier.length;
      expect(share("train")).toBeCloseTo(0.8, 1);
      expect(share("test")).toBeCloseTo(0.1, 1);
    }
    expect(report.languages).toEqual({ en: 200, nl: 100 });
    expect(rowsToJsonl(rows, "test").trim().split("\n")).toHaveLength(report.splits.test);
  });

  it("is deterministic for a seed, whatever the input order, and changes with the seed", async () => {
    const input = labels(200);
    const first = await buildDataset(filter, input, { seed: 7 });
    const again = await buildDataset(filter, [...input].reverse(), { seed: 7 });
    expect(again.content_hash).toBe(first.content_hash);
    const other = await buildDataset(filter, input, { seed: 8 });
    expect(other.content_hash).not.toBe(first.content_hash);
  });

  it("keeps one article per near-duplicate group, so no story is in two splits", async () => {
    const input = labels(100);
    for (let i = 0; i < 10; i++) {
      const original = input[i * 7]!;
      input.push({
        ...original,
        article: {
          ...original.article,
          id: `dup${i}`,
          body: `${original.article.body.replace("solar", "Solar")} (Updated.)`,
        },
      });
    }
    const { rows, report } = await buildDataset(filter, input, { seed: 3 });
    expect(report.near_duplicates_removed).toBe(10);
    expect(rows).toHaveLength(100);
    const texts = rows.map((r) => `${r.title}\n${r.body}`);
    expect(nearDuplicateGroups(texts)).toEqual([]);
  });

  it("falls back to score bins when a tier is too small, and says so", async () => {
    const input = labels(60, (i) => (i < 58 ? 1 + (i % 3) : 9.5));
    const { report } = await buildDataset(filter, input, { seed: 1 });
    expect(report.stratified_by).toBe("score_bin");
    expect(report.warnings.join(" ")).toMatch(/fewer than 10/);
  });

  it("counts and drops empty texts", async () => {
    const input = labels(30);
    input[0] = { ...input[0]!, article: { ...input[0]!.article, title: " ", body: "" } };
    const { report } = await buildDataset(filter, input, { seed: 1 });
    expect(report.empty_texts).toBe(1);
    expect(report.total).toBe(29);
  });
});

describe("nearDuplicateGroups", () => {
  it("groups lightly edited copies and leaves different texts apart", () => {
    const a = body(1);
    expect(nearDuplicateGroups([a, `${a} Photo: Reuters`, body(2), body(3)])).toEqual([[0, 1]]);
  });
});
