/**
 * @module
 * How filters, datasets and oracle estimates look in Discord: the filter list (versions, dimensions,
 * tiers), one filter's prompt summary (the prompt's first lines, dimensions with weights, gatekeepers,
 * tiers), a dataset's validation report, and the estimate an oracle job shows before it spends.
 * Pure functions; unit-tested.
 */
import type { Dataset, FilterRecord, FilterSummary, OracleEstimate, Thinking } from "@distillery/shared";
import type { APIEmbed } from "discord.js";
import { formatCount, formatDuration, formatPercent, formatUsd } from "./progress";

const FIELD_LIMIT = 1024;
const BLUE = 0x5865f2;

/** Text cut to `limit` characters, with an ellipsis when cut. */
function clip(text: string, limit = FIELD_LIMIT): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

/** The list of filters: one field per filter with its versions and description. */
export function filterListEmbed(filters: FilterSummary[]): APIEmbed {
  return {
    title: `Filters (${filters.length})`,
    color: BLUE,
    description: filters.length ? undefined : "No filter yet: publish one with `distillery filters publish`.",
    fields: filters.slice(0, 25).map((f) => ({
      name: `${f.name} · v${f.latest_version}`,
      value: clip(`${f.description || "—"}\nversions: ${f.versions.map((v) => `v${v}`).join(", ")}`),
    })),
  };
}

/** The first `lines` non-empty lines of a prompt. */
export function promptHead(prompt: string, lines = 6): string {
  const kept = prompt
    .split("\n")
    .map((l) => l.trimEnd())
    .filter((l) => l.trim());
  const head = kept.slice(0, lines).join("\n");
  return kept.length > lines ? `${head}\n… ${kept.length - lines} more lines` : head;
}

/** One filter version: prompt summary, dimensions with weights, gatekeepers and tiers. */
export function filterEmbed(record: FilterRecord): APIEmbed {
  const f = record.package;
  const dimensions = f.dimensions.map(
    (d) => `\`${d.key}\` ${d.label} — weight **${Number(d.weight.toFixed(3))}**`,
  );
  const gatekeepers = f.gatekeepers.map(
    (g) => `\`${g.dimension}\` < ${g.min} → overall capped at ${g.cap_overall_at}`,
  );
  const tiers = f.tiers.map((t) => `**${t.label}** (\`${t.key}\`) ≥ ${t.min_overall}`);
  return {
    title: `${record.name} v${record.version}`,
    color: BLUE,
    description: clip(record.description || f.description || "", 400),
    fields: [
      {
        name: "Prompt (first lines)",
        // A fence inside the prompt would end our code block early.
        value: `\`\`\`md\n${clip(promptHead(f.prompt).replaceAll("```", "'''"), FIELD_LIMIT - 12)}\n\`\`\``,
      },
      { name: `Dimensions (${f.dimensions.length})`, value: clip(dimensions.join("\n")) },
      { name: "Gatekeepers", value: clip(gatekeepers.join("\n") || "none") },
      { name: "Tiers (highest first)", value: clip(tiers.join("\n")) },
      { name: "Languages", value: f.languages.join(", ") || "any", inline: true },
      { name: "Oracle", value: oracleLabel(f.oracle), inline: true },
      { name: "Prompt hash", value: `\`${record.prompt_hash.slice(0, 12)}\``, inline: true },
    ],
    footer: { text: `published by ${record.created_by}` },
    timestamp: record.created_at,
  };
}

/** `gemini:gemini-2.5-flash · thinking 0`: provider, model and the thinking setting when one is sent. */
function oracleLabel(oracle: { provider: string; model: string; thinking?: Thinking | null }): string {
  const thinking =
    oracle.thinking === undefined || oracle.thinking === null ? "" : ` · thinking ${oracle.thinking}`;
  return `${oracle.provider}:${oracle.model}${thinking}`;
}

/** `{ key: count }` as "key 12 · other 3", largest first. */
function counts(record: Record<string, number>, limit = 12): string {
  const entries = Object.entries(record).sort((a, b) => b[1] - a[1]);
  const shown = entries.slice(0, limit).map(([k, n]) => `${k} ${formatCount(n)}`);
  if (entries.length > limit) shown.push(`… ${entries.length - limit} more`);
  return shown.join(" · ") || "none";
}

/** A dataset's validation report: splits, stratification, duplicates, dimension ranges, tiers, languages, warnings. */
export function datasetEmbed(dataset: Dataset): APIEmbed {
  const r = dataset.report;
  const dims = Object.entries(r.dimensions).map(
    ([key, s]) =>
      `${key.padEnd(14)} ${s.min.toFixed(1).padStart(4)}–${s.max.toFixed(1).padEnd(4)} mean ${s.mean.toFixed(2)}  var ${s.variance.toFixed(2)}`,
  );
  const embed: APIEmbed = {
    title: `Dataset ${dataset.id}`,
    color: r.warnings.length ? 0xfee75c : 0x57f287,
    description: `${dataset.filter} v${dataset.filter_version} · ${formatCount(r.total)} labelled articles · seed ${dataset.seed}`,
    fields: [
      {
        name: "Splits",
        value: `train ${formatCount(r.splits.train ?? 0)} · validation ${formatCount(r.splits.validation ?? 0)} · test ${formatCount(r.splits.test ?? 0)}`,
      },
      { name: "Stratified by", value: r.stratified_by === "tier" ? "tier" : "score bin", inline: true },
      { name: "Near-duplicates removed", value: formatCount(r.near_duplicates_removed), inline: true },
      { name: "Empty texts", value: formatCount(r.empty_texts), inline: true },
      { name: "Dimensions (min–max, mean, variance)", value: clip(`\`\`\`\n${dims.join("\n")}\n\`\`\``) },
      { name: "Tiers", value: clip(counts(r.tiers)) },
      { name: "Languages", value: clip(counts(r.languages)) },
    ],
    footer: { text: `content ${dataset.content_hash.slice(0, 12)}` },
    timestamp: dataset.created_at,
  };
  if (r.warnings.length) {
    embed.fields!.push({
      name: `⚠️ Warnings (${r.warnings.length})`,
      value: clip(r.warnings.map((w) => `• ${w}`).join("\n")),
    });
  }
  return embed;
}

/** What an oracle job would do and cost, shown with Confirm/Cancel before any money is spent. */
export function estimateEmbed(
  spec: { filter: string; budget_usd: number },
  estimate: OracleEstimate,
  banner?: string,
): APIEmbed {
  const passed = estimate.selected - estimate.blocked_by_prefilter;
  const overBudget = estimate.usd > spec.budget_usd;
  const embed: APIEmbed = {
    title: `Oracle labelling · ${spec.filter} · estimate`,
    color: overBudget ? 0xfee75c : BLUE,
    description: `Nothing has been sent to the oracle yet. **Confirm** to start; the job stops at the budget of ${formatUsd(spec.budget_usd)}.`,
    fields: [
      { name: "Selected", value: formatCount(estimate.selected), inline: true },
      {
        name: "Pass the prefilter",
        value: `${formatCount(passed)}${estimate.selected ? ` (${formatPercent(passed / estimate.selected)})` : ""}`,
        inline: true,
      },
      { name: "Already labelled", value: formatCount(estimate.already_labelled), inline: true },
      { name: "To label", value: formatCount(estimate.to_label), inline: true },
      {
        name: "Expected cost",
        value: `${formatUsd(estimate.usd)}${overBudget ? " ⚠️ over budget" : ""}`,
        inline: true,
      },
      { name: "Expected time", value: formatDuration(estimate.minutes * 60), inline: true },
      {
        name: "Oracle",
        value: `${oracleLabel(estimate)} (${estimate.mode}) · ${formatCount(estimate.input_tokens)} input tokens, ${formatCount(estimate.cached_tokens)} cached, ${formatCount(estimate.output_tokens)} output (${formatCount(estimate.thinking_tokens)} of it thinking)`,
      },
    ],
  };
  if (banner) embed.fields!.push({ name: "ℹ️ Note", value: clip(banner) });
  return embed;
}
