import { describe, expect, it } from "vitest";
import type { LabelFilter } from "./legacy-labels";
import { parseLegacyLabelRecord } from "./legacy-labels";
import { oracleModelFromPath } from "./oracle-model";

const filter: LabelFilter = {
  name: "river-health",
  version: 1,
  dimensions: [
    { key: "water_quality", label: "Water quality", weight: 0.5, description: "w" },
    { key: "evidence", label: "Evidence", weight: 0.5, description: "e" },
  ],
  categories: [
    {
      key: "content_type",
      label: "Content type",
      description: "kind",
      values: [
        { key: "press_release", description: "p", cap_overall_at: 4 },
        { key: "opinion", description: "o", cap_overall_at: 6 },
        { key: "other", description: "none" },
      ],
    },
  ],
};

const article = {
  id: "rss_abc123",
  title: "River cleaner",
  content: "The river is cleaner than last year.",
  url: "https://example.org/river",
  source: "example_rss",
  language: "nl",
  published_date: "2025-10-08T09:53:00",
};

describe("parseLegacyLabelRecord", () => {
  it("reads numeric scores, the oracle model from analyzed_by and the analysis time", () => {
    const record = parseLegacyLabelRecord(
      {
        ...article,
        "river-health_analysis": {
          water_quality: 7,
          evidence: 4.5,
          content_type: "opinion|press_release",
          analyzed_at: "2025-10-28T20:33:48.556986Z",
          analyzed_by: "gemini-flash-api-batch",
        },
      },
      filter,
      { promptHash: "import:abc", importedAt: "2026-01-01T00:00:00.000Z" },
    );
    expect(record.article).toEqual({
      id: "rss_abc123",
      url: "https://example.org/river",
      title: "River cleaner",
      body: "The river is cleaner than last year.",
      language: "nl",
      source: "example_rss",
      published_at: "2025-10-08T09:53:00Z",
    });
    expect(record.label).toEqual({
      article_id: "rss_abc123",
      filter: "river-health",
      filter_version: 1,
      prompt_hash: "import:abc",
      provider: "gemini",
      model: "gemini-flash",
      mode: "import",
      // How the article was chosen is not in the old files: imported labels may sit in a test split.
      selection: "unknown",
      scores: { water_quality: { score: 7, reason: "" }, evidence: { score: 4.5, reason: "" } },
      categories: { content_type: "press_release" },
      tokens: { input: 0, cached: 0, output: 0, thinking: 0 },
      cost_usd: 0,
      latency_ms: 0,
      attempts: 0,
      created_at: "2025-10-28T20:33:48.556986Z",
    });
  });

  it("reads {score, evidence} and {score, reasoning} objects from an `analysis` object", () => {
    const record = parseLegacyLabelRecord(
      {
        ...article,
        analysis: {
          water_quality: { score: 6.0, evidence: "measured twice" },
          evidence: { score: 2, reasoning: "one source" },
          flags: { press_release: false, opinion: true },
        },
      },
      filter,
      { importedAt: "2026-01-01T00:00:00.000Z" },
    );
    expect(record.label.scores).toEqual({
      water_quality: { score: 6, reason: "measured twice" },
      evidence: { score: 2, reason: "one source" },
    });
    expect(record.label.categories).toEqual({ content_type: "opinion" });
    expect(record.label.model).toBe("unknown");
    expect(record.label.created_at).toBe("2026-01-01T00:00:00.000Z");
    expect(record.label.prompt_hash).toBe("import:unknown");
  });

  it("lists the dimensions it found when one of the filter's is missing, and --rename fixes it", () => {
    const obj = { ...article, x_analysis: { water_quality_score: 5, evidence: 3, content_type: "feature" } };
    expect(() => parseLegacyLabelRecord(obj, filter, { sourceFile: "batch.jsonl", line: 4 })).toThrow(
      expect.objectContaining({
        code: "label.dimension_missing",
        message:
          "dimension 'water_quality' of filter 'river-health' is not in the record; dimensions found: water_quality_score, evidence; map one with --rename water_quality_score=water_quality",
        details: expect.arrayContaining([{ path: "found", issue: "water_quality_score" }]),
      }),
    );
    const record = parseLegacyLabelRecord(obj, filter, { rename: { water_quality_score: "water_quality" } });
    expect(record.label.scores.water_quality!.score).toBe(5);
    expect(record.label.categories).toEqual({ content_type: "other" });
  });

  it("refuses scores outside 0-10, records without an id and records without an analysis", () => {
    const bad = { ...article, analysis: { water_quality: 11, evidence: 3 } };
    expect(() => parseLegacyLabelRecord(bad, filter, { sourceFile: "f.jsonl", line: 2 })).toThrow(
      expect.objectContaining({
        code: "label.score_invalid",
        details: expect.arrayContaining([expect.objectContaining({ path: "f.jsonl:2" })]),
      }),
    );
    const nullScore = { ...article, analysis: { water_quality: { score: null }, evidence: 3 } };
    expect(() => parseLegacyLabelRecord(nullScore, filter)).toThrow(
      expect.objectContaining({ code: "label.score_invalid" }),
    );
    const { id: _id, ...noId } = article;
    expect(() =>
      parseLegacyLabelRecord({ ...noId, analysis: { water_quality: 1, evidence: 1 } }, filter),
    ).toThrow(expect.objectContaining({ code: "label.article_invalid" }));
    expect(() => parseLegacyLabelRecord({ ...article, success: true }, filter)).toThrow(
      expect.objectContaining({ code: "label.no_analysis" }),
    );
  });

  it("names the model from the --model option, then from the file path, when the record does not", () => {
    const obj = { ...article, analysis: { water_quality: 1, evidence: 1 } };
    expect(
      parseLegacyLabelRecord(obj, filter, { model: "gemini-2.5-pro", sourceFile: "claude_labels.jsonl" })
        .label.model,
    ).toBe("gemini-2.5-pro");
    expect(
      parseLegacyLabelRecord(obj, filter, { sourceFile: "cal/rivers-claude/rivers/b_001.jsonl" }).label.model,
    ).toBe("claude");
  });

  it("accepts our own label records, renaming score keys and refusing another filter's", () => {
    const own = parseLegacyLabelRecord({ ...article, analysis: { water_quality: 8, evidence: 9 } }, filter, {
      importedAt: "2026-01-01T00:00:00.000Z",
    });
    const again = parseLegacyLabelRecord(JSON.parse(JSON.stringify(own)), filter);
    expect(again).toEqual(own);
    const renamed = {
      ...own,
      label: {
        ...own.label,
        scores: { wq: own.label.scores.water_quality, evidence: own.label.scores.evidence },
      },
    };
    expect(
      parseLegacyLabelRecord(renamed, filter, { rename: { wq: "water_quality" } }).label.scores.water_quality!
        .score,
    ).toBe(8);
    expect(() =>
      parseLegacyLabelRecord({ ...own, label: { ...own.label, filter_version: 2 } }, filter),
    ).toThrow(expect.objectContaining({ code: "label.other_filter" }));
  });
});

describe("oracleModelFromPath", () => {
  it("reads the model from calibration folder and file names", () => {
    expect(
      oracleModelFromPath(
        "filters/x/v1/calibrations/sustainability-gemini-pro/sustainability/labeled_batch_001.jsonl",
      ),
    ).toBe("gemini-pro");
    expect(oracleModelFromPath("archive/gemini-flash_labels.jsonl")).toBe("gemini-flash");
    expect(oracleModelFromPath("uplifting/claude_labels.jsonl")).toBe("claude");
    expect(oracleModelFromPath("filters/rivers/v1/scored_batch_001.jsonl")).toBeUndefined();
  });
});
