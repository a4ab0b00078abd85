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

export const MONTHLY_TABLE_MARKERS: DocMarkers = {
  start: "<!-- loop-costs:start (generated: npm run -w shared docs:oracle) -->",
  end: "<!-- loop-costs:end -->",
  doc: "docs/continuous.md",
};

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

type CostFilter = Pick<FilterPackage, "prompt" | "oracle" | "dimensions" | "categories">;

export type OracleCostRow = {
  oracle: string;
  thinking: string;
  output_tokens: number;
  thinking_tokens: number;
  usd_per_1000: number;
  /** null: no Batch Mode here (Distillery has it for Gemini only). */
  batch_usd_per_1000: number | null;
};

/** Input tokens of one call: the filter's instructions and one ~600-word article. */
function typicalInputTokens(filter: CostFilter): number {
  const prompt = renderOraclePrompt(filter, {
    title: "",
    body: "x".repeat(TYPICAL_ARTICLE_CHARS),
    language: "en",
    source: "",
  });
  return Math.ceil(prompt.text.length / CHARS_PER_TOKEN);
}

/**
 * What 1,000 typical articles cost with each compared oracle: no cache hit assumed, thinking at its
 * planned use, Batch Mode at the provider's discount.
 */
export function oracleCostRows(filter: CostFilter): OracleCostRow[] {
  const input = typicalInputTokens(filter);
  const rows: OracleCostRow[] = [];
  for (const choice of COMPARED_ORACLES) {
    const oracle = resolveOracle(filter, choice);
    const price = findPrice(DEFAULT_PRICE_TABLE, oracle.model);
    if (!price) continue;
    const output = plannedOutputTokens(filter, oracle);
    const usd = (1_000 * (input * price.input_per_mtok + output * price.output_per_mtok)) / 1e6;
    const batched = oracle.provider === "gemini" && price.batch_discount > 0;
    rows.push({
      oracle: `${choice.provider}:${oracle.model}`,
      thinking: thinkingLabel(oracle.thinking),
      output_tokens: output,
      thinking_tokens: output - plannedOutputTokens(filter, { thinking: null }),
      usd_per_1000: usd,
      batch_usd_per_1000: batched ? usd * (1 - price.batch_discount) : null,
    });
  }
  return rows;
}

/** The cost table for `filter` (its prompt sets the input tokens; its dimensions the answer tokens). */
export function renderOracleCostTable(filter: CostFilter) {
  const lines = [
    `Prices checked ${PRICES_CHECKED}; ${typicalInputTokens(filter).toLocaleString("en-US")} input tokens per call (the filter's instructions and one ~600-word article); output = the answer plus the thinking the setting is planned to use.`,
    "",
    "| Oracle | Thinking | Output tokens (thinking) | Per 1,000 articles | Per 1,000 in Batch Mode |",
    "| --- | --- | --- | --- | --- |",
  ];
  for (const row of oracleCostRows(filter)) {
    const batch = row.batch_usd_per_1000 === null ? "–" : dollars(row.batch_usd_per_1000);
    lines.push(
      `| \`${row.oracle}\` | ${row.thinking} | ${row.output_tokens.toLocaleString("en-US")} (${row.thinking_tokens.toLocaleString("en-US")}) | ${dollars(row.usd_per_1000)} | ${batch} |`,
    );
  }
  return lines.join("\n");
}

/**
 * The continuous loop's oracle calls a month for a corpus of `articlesPerDay` (docs/continuous.md):
 * the cascade's doubtful share, a weekly round of active labelling, a weekly drift audit with its
 * re-asked articles. Scoring itself runs on the team's own hardware and costs no API money.
 */
export const LOOP_PLAN = {
  articlesPerDay: 5_000,
  daysPerMonth: 30,
  /** Share of scored articles whose interval crosses a tier boundary and goes to the oracle. */
  cascadeShare: 0.1,
  activeLabelsPerWeek: 500,
  auditSample: 50,
  auditReask: 5,
  weeksPerMonth: 30 / 7,
} as const;

/** Oracle calls a month per part of the loop, from `LOOP_PLAN`. */
export function loopCallsPerMonth(plan = LOOP_PLAN) {
  const scored = plan.articlesPerDay * plan.daysPerMonth;
  return {
    cascade: Math.round(scored * plan.cascadeShare),
    active: Math.round(plan.activeLabelsPerWeek * plan.weeksPerMonth),
    audit: Math.round((plan.auditSample + plan.auditReask) * plan.weeksPerMonth),
  };
}

/**
 * The monthly cost of the loop with each oracle at its cheapest setting: every call interactive, and
 * with the active-labelling rounds in Batch Mode (the cascade and the audit call interactively: they
 * wait on the answers).
 */
export function renderMonthlyCostTable(filter: CostFilter) {
  const calls = loopCallsPerMonth();
  const total = calls.cascade + calls.active + calls.audit;
  const lines = [
    `${LOOP_PLAN.articlesPerDay.toLocaleString("en-US")} articles a day, ${LOOP_PLAN.daysPerMonth} days: ${calls.cascade.toLocaleString("en-US")} cascade calls (${LOOP_PLAN.cascadeShare * 100}% doubtful), ${calls.active.toLocaleString("en-US")} active labels (${LOOP_PLAN.activeLabelsPerWeek} a week), ${calls.audit.toLocaleString("en-US")} audit calls (${LOOP_PLAN.auditSample} + ${LOOP_PLAN.auditReask} re-asked a week): ${total.toLocaleString("en-US")} oracle calls a month. Prices checked ${PRICES_CHECKED}.`,
    "",
    "| Oracle | Thinking | A month, interactive | A month, active labels in Batch Mode |",
    "| --- | --- | --- | --- |",
  ];
  const seen = new Set<string>();
  for (const row of oracleCostRows(filter)) {
    if (seen.has(row.oracle)) continue;
    seen.add(row.oracle);
    const interactive = (total * row.usd_per_1000) / 1_000;
    const batched =
      row.batch_usd_per_1000 === null
        ? "–"
        : dollars(
            ((calls.cascade + calls.audit) * row.usd_per_1000 + calls.active * row.batch_usd_per_1000) /
              1_000,
          );
    lines.push(`| \`${row.oracle}\` | ${row.thinking} | ${dollars(interactive)} | ${batched} |`);
  }
  return lines.join("\n");
}
