/**
 * @module
 * A finished bake-off in Discord: the embed fields its job message ends with. One field per oracle
 * (cost per article, labelled and failed, self-consistency), one line per pair (overall MAE, signed
 * bias and who scores higher, tier agreement), how many articles got different tiers with the first
 * few titles, and every figure that could not be computed with its reason (shown as "—: reason",
 * never as a 0). Oracles are lettered A-D as in the CLI's tables. A dry run's estimate has fields of
 * its own: the sample, and per oracle what it would be asked and cost.
 */
import type { BakeoffEstimate, BakeoffOracleReport, BakeoffPair, BakeoffReport } from "@distillery/shared";
import type { APIEmbedField } from "discord.js";
import { formatCount, formatPercent, formatUsd } from "./progress";

/** Titles of disagreements the embed names. */
const SHOWN_DISAGREEMENTS = 3;
/** Below this, a mean difference is reported as no bias. */
const NO_BIAS = 0.05;

const letter = (position: number) => String.fromCharCode(65 + position);
const signed = (value: number) => `${value > 0 ? "+" : value < 0 ? "-" : "±"}${Math.abs(value).toFixed(2)}`;
const clip = (text: string, max = 1024) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

function missingText(report: BakeoffReport, path: string): string {
  return `—: ${report.missing[path] ?? "not computed"}`;
}

function oracleField(report: BakeoffReport, oracle: BakeoffOracleReport, position: number): APIEmbedField {
  const perArticle =
    oracle.usd_per_article === null
      ? `per article ${missingText(report, `oracles.${position}.usd_per_article`)}`
      : `${formatUsd(oracle.usd_per_article)}/article`;
  const reasons = Object.entries(oracle.failed_by_reason)
    .map(([reason, n]) => `\`${reason}\` ${formatCount(n)}`)
    .join(", ");
  const own = oracle.self_consistency;
  const consistency = own
    ? `self-consistency: overall MAE ${own.overall_mae.toFixed(2)}, tiers ${formatPercent(own.tier_agreement)} (${formatCount(own.n)} asked twice)`
    : `self-consistency ${missingText(report, `oracles.${position}.self_consistency`)}`;
  return {
    name: clip(
      `${letter(position)} · ${oracle.name}${oracle.thinking === null ? "" : ` (thinking ${oracle.thinking})`}`,
      256,
    ),
    value: clip(
      `${perArticle} · ${formatCount(oracle.labelled)} labelled · ${formatCount(oracle.failed)} failed${reasons ? ` (${reasons})` : ""}\n${consistency}`,
    ),
  };
}

function pairLine(report: BakeoffReport, pair: BakeoffPair): string {
  const a = letter(report.oracles.findIndex((o) => o.name === pair.a));
  const b = letter(report.oracles.findIndex((o) => o.name === pair.b));
  const who =
    Math.abs(pair.overall_bias) < NO_BIAS ? "even" : `${pair.overall_bias > 0 ? a : b} scores higher`;
  return `**${a} vs ${b}**: overall MAE ${pair.overall_mae.toFixed(2)} · bias ${signed(pair.overall_bias)} (${who}) · tiers agree ${formatPercent(pair.tier_agreement)} (${formatCount(pair.n)} articles)`;
}

/** Pair lines, with a line for each pair that could not be compared. */
function pairsField(report: BakeoffReport): APIEmbedField | null {
  const lines = report.pairs.map((pair) => pairLine(report, pair));
  for (const [path, reason] of Object.entries(report.missing)) {
    const pair = /^pairs\.(.+)\|(.+)$/.exec(path);
    if (!pair) continue;
    const a = letter(report.oracles.findIndex((o) => o.name === pair[1]));
    const b = letter(report.oracles.findIndex((o) => o.name === pair[2]));
    lines.push(`**${a} vs ${b}**: —: ${reason}`);
  }
  return lines.length ? { name: "Pairs (bias: mean of A − B)", value: clip(lines.join("\n")) } : null;
}

function disagreementsField(report: BakeoffReport): APIEmbedField {
  if (report.disagreements_total === 0)
    return { name: "Disagreements", value: "none: every article got the same tier from all" };
  const lines = report.disagreements.slice(0, SHOWN_DISAGREEMENTS).map((d) => {
    const tiers = report.oracles.map((o, i) => `${letter(i)} ${d.answers[o.name]?.tier ?? "—"}`).join(" · ");
    return `• ${clip(d.title, 120)} (${tiers})`;
  });
  return {
    name: `Disagreements: ${formatCount(report.disagreements_total)} articles with different tiers`,
    value: clip(lines.join("\n")),
  };
}

/**
 * The fields a succeeded bake-off's message shows.
 * @example
 * fields.push(...bakeoffReportFields(bakeoffReportSchema.parse(job.result)));
 */
export function bakeoffReportFields(report: BakeoffReport): APIEmbedField[] {
  const fields: APIEmbedField[] = [
    {
      name: "Sample",
      value: `${formatCount(report.sample.selected)} of ${formatCount(report.sample.requested)} requested · ${formatCount(report.sample.labelled_by_all)} labelled by all`,
      inline: true,
    },
    {
      name: "Spent",
      value: `${formatUsd(report.spent_usd)} of ${formatUsd(report.budget_usd)}`,
      inline: true,
    },
  ];
  if (report.stopped_reason) fields.push({ name: "Stopped early", value: clip(report.stopped_reason) });
  fields.push(...report.oracles.map((oracle, position) => oracleField(report, oracle, position)));
  const pairs = pairsField(report);
  if (pairs) fields.push(pairs);
  fields.push(disagreementsField(report));
  const shown = /^(oracles\.\d+\.(usd_per_article|self_consistency)|pairs\..+)$/;
  const other = Object.entries(report.missing).filter(([path]) => !shown.test(path));
  if (other.length)
    fields.push({
      name: "Not computed",
      value: clip(other.map(([path, reason]) => `\`${path}\` —: ${reason}`).join("\n")),
    });
  if (report.banner) fields.push({ name: "ℹ️ Note", value: clip(report.banner) });
  return fields;
}

/**
 * The fields a dry-run bake-off's message shows: the sample, each oracle's calls and cost, and the
 * total against the budget (over it, the job would stop at the cap with a partial report).
 * @example
 * fields.push(...bakeoffEstimateFields(bakeoffEstimateSchema.parse(job.result)));
 */
export function bakeoffEstimateFields(estimate: BakeoffEstimate): APIEmbedField[] {
  const over = estimate.usd > estimate.budget_usd;
  const fields: APIEmbedField[] = [
    {
      name: "Dry run",
      value: "nothing was sent to any oracle, nothing spent",
    },
    {
      name: "Sample",
      value: `${formatCount(estimate.sample.selected)} of ${formatCount(estimate.sample.requested)} requested · ${formatCount(estimate.sample.repeated)} asked twice`,
      inline: true,
    },
    {
      name: "Estimated cost",
      value: `${formatUsd(estimate.usd)} of ${formatUsd(estimate.budget_usd)}${over ? " ⚠️ over the budget: it would stop at the cap with a partial report" : ""}`,
      inline: true,
    },
    ...estimate.oracles.map((oracle, position) => ({
      name: clip(
        `${letter(position)} · ${oracle.name}${oracle.thinking === null ? "" : ` (thinking ${oracle.thinking})`}`,
        256,
      ),
      value: `${formatUsd(oracle.usd)} · ${formatCount(oracle.calls)} calls · ${formatCount(oracle.reused)} labels reused · ${formatCount(oracle.output_tokens)} output tokens (${formatCount(oracle.thinking_tokens)} thinking)`,
    })),
  ];
  if (estimate.banner) fields.push({ name: "ℹ️ Note", value: clip(estimate.banner) });
  return fields;
}
