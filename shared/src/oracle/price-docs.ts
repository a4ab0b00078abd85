/**
 * @module
 * The cost table of `docs/oracle.md`: what 1,000 articles of about 600 words cost with each current
 * model and thinking setting, computed from the price table (`prices.ts`) and the same token plan
 * as every estimate (`choice.ts`), so the document cannot drift from what a job would reserve.
 * `npm run -w shared docs:oracle` rewrites it; a test fails when it is stale.
 */
import type { DocMarkers } from "../docs-tables";
import { renderOraclePrompt } from "../filter/prompt";
import type { FilterPackage } from "../schemas/filter";
import { CHARS_PER_TOKEN, type OracleOverride, plannedOutputTokens, resolveOracle } from "./choice";
import { DEFAULT_PRICE_TABLE, findPrice, PRICES_CHECKED } from "./prices";

export const PRICE_TABLE_MARKERS: DocMarkers = {
  start: "<!-- oracle-costs:start (generated: npm run -w shared docs:oracle) -->",
  end: "<!-- oracle-costs:end -->",
  doc: "docs/oracle.md",
};

/** The built-in filter whose prompt and dimensions the table is computed with (a typical 6-dimension filter). */
export const COST_TABLE_FILTER = "sustainability-tech-deployment";

/** About 600 words of news prose (six characters a word, spaces and punctuation included). */
export const TYPICAL_ARTICLE_CHARS = 3_600;

/** The settings the table compares: each family's cheapest, and the usual step up. */
export const COMPARED_ORACLES: readonly (OracleOverride & {
  provider: "gemini" | "openai";
  model: string;
})[] = [
  { provider: "gemini", model: "gemini-2.5-flash-lite", thinking: 0 },
  { provider: "gemini", model: "gemini-2.5-flash-lite", thinking: 1_024 },
  { provider: "gemini", model: "gemini-2.5-flash", thinking: 0 },
  { provider: "gemini", model: "gemini-2.5-flash", thinking: 1_024 },
  { provider: "gemini", model: "gemini-2.5-flash", thinking: -1 },
  { provider: "gemini", model: "gemini-2.5-pro", thinking: 128 },
  { provider: "gemini", model: "gemini-2.5-pro", thinking: -1 },
  { provider: "gemini", model: "gemini-3-flash-preview", thinking: "minimal" },
  { provider: "gemini", model: "gemini-3-flash-preview", thinking: "low" },
  { provider: "gemini", model: "gemini-3-pro-preview", thinking: "low" },
  { provider: "gemini", model: "gemini-3-pro-preview", thinking: "high" },
  { provider: "openai", model: "gpt-4o-mini" },
  { provider: "openai", model: "gpt-4.1-mini" },
  { provider: "openai", model: "gpt-5-nano", thinking: "minimal" },
  { provider: "openai", model: "gpt-5-mini", thinking: "low" },
  { provider: "openai", model: "deepseek-chat" },
];

function thinkingLabel(thinking: OracleOverride["thinking"] | null): string {
  if (thinking === null || thinking === undefined || thinking === 0) return "off";
  if (thinking === -1) return "dynamic";
  return typeof thinking === "number" ? `budget ${thinking}` : thinking;
}

const dollars = (usd: number) => `$${usd >= 10 ? usd.toFixed(2) : usd.toPrecision(3)}`;

/**
 * The table for `filter` (its prompt sets the input tokens; its dimensions the answer tokens).
 * Interactive figures assume no cache hit; Batch Mode takes the provider's discount ("–": Distillery
 * has Batch Mode for Gemini only).
 */
export function renderOracleCostTable(
  filter: Pick<FilterPackage, "prompt" | "oracle" | "dimensions" | "categories">,
) {
  const prompt = renderOraclePrompt(filter, {
    title: "",
    body: "x".repeat(TYPICAL_ARTICLE_CHARS),
    language: "en",
    source: "",
  });
  const input = Math.ceil(prompt.text.length / CHARS_PER_TOKEN);
  const lines = [
    `Prices checked ${PRICES_CHECKED}; ${input.toLocaleString("en-US")} input tokens per call (the filter's instructions and one ~600-word article); output = the answer plus the thinking the setting is planned to use.`,
    "",
    "| Oracle | Thinking | Output tokens (thinking) | Per 1,000 articles | Per 1,000 in Batch Mode |",
    "| --- | --- | --- | --- | --- |",
  ];
  for (const choice of COMPARED_ORACLES) {
    const oracle = resolveOracle(filter, choice);
    const price = findPrice(DEFAULT_PRICE_TABLE, oracle.model);
    if (!price) continue;
    const output = plannedOutputTokens(filter, oracle);
    const thinking = output - plannedOutputTokens(filter, { thinking: null });
    const usd = (1_000 * (input * price.input_per_mtok + output * price.output_per_mtok)) / 1e6;
    const batched = oracle.provider === "gemini" && price.batch_discount > 0;
    const batch = batched ? dollars(usd * (1 - price.batch_discount)) : "–";
    lines.push(
      `| \`${choice.provider}:${oracle.model}\` | ${thinkingLabel(oracle.thinking)} | ${output.toLocaleString("en-US")} (${thinking.toLocaleString("en-US")}) | ${dollars(usd)} | ${batch} |`,
    );
  }
  return lines.join("\n");
}
