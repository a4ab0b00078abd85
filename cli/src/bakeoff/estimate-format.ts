/**
 * @module
 * A dry-run bake-off's estimate (`BakeoffEstimate`) as text: the sample it would draw, one row per
 * contestant (labels reused, calls, tokens, cost), the total against the budget, and what happens when
 * the total is over it (the job stops at the cap, with a partial report).
 */
import type { BakeoffEstimate } from "@distillery/shared";
import { table } from "./format";

const dollars = (usd: number) => (usd !== 0 && usd < 0.01 ? `$${usd.toFixed(6)}` : `$${usd.toFixed(2)}`);
const count = (n: number) => n.toLocaleString("en-US");

/** The estimate as lines for a terminal, ending with a newline. */
export function formatBakeoffEstimate(estimate: BakeoffEstimate): string {
  const { sample } = estimate;
  const header = [
    "oracle",
    "thinking",
    "reused",
    "calls",
    "input tok",
    "output tok",
    "of which thinking",
    "cost",
  ];
  const rows = estimate.oracles.map((o) => [
    o.name,
    o.thinking === null ? "none" : String(o.thinking),
    count(o.reused),
    count(o.calls),
    count(o.input_tokens),
    count(o.output_tokens),
    count(o.thinking_tokens),
    dollars(o.usd),
  ]);
  const over = estimate.usd > estimate.budget_usd;
  const lines = [
    `Dry run of a bake-off on ${estimate.filter} v${estimate.filter_version}: nothing was sent, nothing spent.`,
    `Sample: ${count(sample.selected)} of ${count(sample.requested)} requested articles pass the prefilter; ${count(sample.repeated)} asked of each oracle twice.`,
    "",
    ...table([header, ...rows], ["left", "left", "right", "right", "right", "right", "right", "right"]),
    "",
    `Estimated ${dollars(estimate.usd)} against a budget of ${dollars(estimate.budget_usd)}${
      over
        ? ": over it, so the bake-off would stop at the cap with a partial report; raise --budget or lower --count/--repeat."
        : "."
    }`,
    "Thinking budgets are planned at their ceiling, so a model that thinks less costs less than this.",
  ];
  if (estimate.banner) lines.push("", estimate.banner);
  return `${lines.join("\n")}\n`;
}
