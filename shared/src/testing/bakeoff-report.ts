/**
 * @module
 * A fixed bake-off report for tests (the CLI's and the bot's): two oracles where B scores 0.9 higher
 * than A (bias) and A repeats itself exactly while B wobbles (noise), a third oracle that labelled
 * nothing (its figures are missing, with reasons), and three disagreements of which the report lists two.
 */
import {
  type BakeoffEstimate,
  type BakeoffReport,
  bakeoffEstimateSchema,
  bakeoffReportSchema,
} from "../oracle/bakeoff";

export function fixedBakeoffReport(): BakeoffReport {
  return bakeoffReportSchema.parse({
    filter: "example-energy",
    filter_version: 2,
    budget_usd: 2,
    spent_usd: 0.4123,
    sample: { requested: 200, selected: 180, labelled_by_all: 0, strata: { "wire/en": 100, "daily/de": 80 } },
    oracles: [
      {
        name: "gemini:gemini-2.5-flash",
        provider: "gemini",
        model: "gemini-2.5-flash",
        thinking: 0,
        labelled: 180,
        failed: 0,
        failed_by_reason: {},
        cost_usd: 0.3,
        usd_per_article: 0.0015,
        tokens: { input: 90_000, output: 9_000, thinking: 0 },
        self_consistency: {
          n: 20,
          dimension_mae: { per_dimension: { deployment: 0, impact: 0 }, mean: 0 },
          overall_mae: 0,
          tier_agreement: 1,
        },
      },
      {
        name: "openai:deepseek-chat",
        provider: "openai",
        model: "deepseek-chat",
        thinking: "low",
        labelled: 176,
        failed: 4,
        failed_by_reason: { "oracle.rate_limited": 3, "oracle.bad_answer": 1 },
        cost_usd: 0.1123,
        usd_per_article: 0.00058,
        tokens: { input: 88_000, output: 8_800, thinking: 1_200 },
        self_consistency: {
          n: 19,
          dimension_mae: { per_dimension: { deployment: 0.7, impact: 0.5 }, mean: 0.6 },
          overall_mae: 0.6,
          tier_agreement: 0.8421,
        },
      },
      {
        name: "openai:qwen2.5:7b",
        provider: "openai",
        model: "qwen2.5:7b",
        thinking: null,
        labelled: 0,
        failed: 200,
        failed_by_reason: { "oracle.unreachable": 200 },
        cost_usd: 0,
        usd_per_article: null,
        tokens: { input: 0, output: 0, thinking: 0 },
        self_consistency: null,
      },
    ],
    pairs: [
      {
        a: "gemini:gemini-2.5-flash",
        b: "openai:deepseek-chat",
        n: 176,
        dimensions: [
          { key: "deployment", mae: 1.1, bias: -1.05, correlation: 0.81 },
          { key: "impact", mae: 0.8, bias: -0.75, correlation: null },
        ],
        overall_mae: 0.95,
        overall_bias: -0.9,
        tier_agreement: 0.72,
      },
    ],
    disagreements: [
      {
        article_id: "art_1",
        title: "Grid-scale battery park opens in the north, the largest of its kind in Europe so far",
        answers: {
          "gemini:gemini-2.5-flash": { tier: "medium", overall: 5.2 },
          "openai:deepseek-chat": { tier: "high", overall: 7.4 },
        },
      },
      {
        article_id: "art_2",
        title: "Heat pumps in old houses",
        answers: {
          "gemini:gemini-2.5-flash": { tier: "low", overall: 3.1 },
          "openai:deepseek-chat": { tier: "medium", overall: 4.4 },
        },
      },
    ],
    disagreements_total: 3,
    missing: {
      "oracles.2.usd_per_article": "this oracle labelled no article of the sample",
      "oracles.2.self_consistency": "no article was answered twice by this oracle",
      "pairs.gemini:gemini-2.5-flash|openai:qwen2.5:7b": "no article was labelled by both oracles",
      "pairs.openai:deepseek-chat|openai:qwen2.5:7b": "no article was labelled by both oracles",
    },
  });
}

/**
 * A dry run's estimate for the clients' tests: Flash without thinking reuses the 180 labels of the
 * sample and would only repeat 20; Flash with a 1,024-token budget would ask all 200 and costs most.
 * Its $0.86 is over the $0.50 budget.
 */
export function fixedBakeoffEstimate(): BakeoffEstimate {
  return bakeoffEstimateSchema.parse({
    dry_run: true,
    filter: "example-energy",
    filter_version: 2,
    sample: { requested: 200, selected: 180, repeated: 20 },
    oracles: [
      {
        name: "gemini:gemini-2.5-flash:0",
        provider: "gemini",
        model: "gemini-2.5-flash",
        thinking: 0,
        reused: 180,
        calls: 20,
        input_tokens: 60_000,
        output_tokens: 5_600,
        thinking_tokens: 0,
        usd: 0.032,
      },
      {
        name: "gemini:gemini-2.5-flash:1024",
        provider: "gemini",
        model: "gemini-2.5-flash",
        thinking: 1024,
        reused: 0,
        calls: 200,
        input_tokens: 600_000,
        output_tokens: 260_800,
        thinking_tokens: 204_800,
        usd: 0.832,
      },
    ],
    usd: 0.864,
    budget_usd: 0.5,
  });
}
