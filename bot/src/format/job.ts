/**
 * @module
 * How a job looks in Discord: one embed whose colour follows the state, a progress bar with ETA and
 * loss while it runs, the reason when it fails, and a short result summary when it succeeds: the
 * trained student (kind, base model, backend, out-of-fold validation against the lexical model), an
 * evaluation's headline figures, the tier counts of a scoring job and what its cascade sent to the
 * oracle; labelled, failures by reason, prefilter blocks and spend of an oracle job. Results are read
 * through each kind's schema (`jobResultSchemas`) only; one that does not parse gets a line saying so.
 * A bake-off's report is laid out by `format/bakeoff.ts`.
 * `jobLine` is the one-line form `/status` lists.
 */
import {
  type BakeoffEstimate,
  type BakeoffReport,
  type EvalJobResult,
  formatPath,
  type InferJobResult,
  type Job,
  type JobState,
  jobResultSchemas,
  oracleJobResultSchema,
  type TrainJobResult,
} from "@distillery/shared";
import type { APIEmbed, APIEmbedField } from "discord.js";
import { bakeoffEstimateFields, bakeoffReportFields } from "./bakeoff";
import { formatCount, formatDuration, formatPercent, formatUsd, progressBar } from "./progress";

export const STATE_COLORS: Record<JobState, number> = {
  queued: 0x949ba4,
  running: 0x5865f2,
  paused: 0xfee75c,
  succeeded: 0x57f287,
  failed: 0xed4245,
  cancelled: 0x4e5058,
};

const STATE_ICONS: Record<JobState, string> = {
  queued: "⏳",
  running: "▶️",
  paused: "⏸️",
  succeeded: "✅",
  failed: "❌",
  cancelled: "🚫",
};

const KIND_LABELS: Record<Job["kind"], string> = {
  import: "Import",
  oracle: "Oracle labelling",
  train: "Training",
  eval: "Evaluation",
  infer: "Corpus scoring",
  bakeoff: "Oracle bake-off",
};

/** What the job works on, in a few words (filter, dataset or model). */
export function jobSubject(job: Job): string {
  const spec = job.spec;
  switch (spec.kind) {
    case "oracle":
      return `filter ${spec.filter}${spec.filter_version ? ` v${spec.filter_version}` : ""}, budget $${spec.budget_usd}`;
    case "train":
      return `dataset ${spec.dataset_id}${spec.student.base_model ? `, ${spec.student.base_model}` : ""}`;
    case "eval":
      return `model ${spec.model_id}`;
    case "infer":
      return `model ${spec.model_id}, ${spec.selection.type === "all" ? "all articles" : spec.selection.type}`;
    case "import":
      return `upload ${spec.upload_id}`;
    case "bakeoff":
      return `filter ${spec.filter}${spec.filter_version ? ` v${spec.filter_version}` : ""}, ${spec.oracles.map((o) => `${o.provider}:${o.model}`).join(" vs ")}, budget $${spec.budget_usd}`;
  }
}

/** A job's result through its kind's schema: the typed result, or the first field that does not fit. */
export function typedJobResult(
  job: Job,
): { ok: true; result: unknown } | { ok: false; issue: string } | null {
  if (job.result === null) return null;
  const parsed = jobResultSchemas[job.kind].safeParse(job.result);
  if (parsed.success) return { ok: true, result: parsed.data };
  const first = parsed.error.issues[0];
  return { ok: false, issue: first ? `${formatPath(first.path)}: ${first.message}` : "invalid" };
}

function resultOf<T>(job: Job, kind: Job["kind"]): T | null {
  if (job.kind !== kind) return null;
  const typed = typedJobResult(job);
  return typed?.ok ? (typed.result as T) : null;
}

/** Counts per tier of a scoring job, every tier of the filter best first. */
export function tierCounts(job: Job): [string, number][] | null {
  const result = resultOf<InferJobResult>(job, "infer");
  const entries = result ? Object.entries(result.tier_counts) : [];
  return entries.length ? entries : null;
}

/** A trained student: what it is, what it was built on, and its out-of-fold figures. */
export function trainResultFields(job: Job): APIEmbedField[] {
  const r = resultOf<TrainJobResult>(job, "train");
  if (!r) return [];
  const fields: APIEmbedField[] = [
    { name: "Model", value: `\`${r.model_id}\``, inline: true },
    { name: "Student", value: `${r.kind} on \`${r.base_model}\` (${r.backend}, ${r.device})`.slice(0, 1024) },
  ];
  const v = r.validation;
  fields.push({
    name: "Out-of-fold validation",
    value: v
      ? `dimension MAE ${v.dimension_mae.toFixed(2)}${v.lexical_dimension_mae === null ? "" : ` (lexical ${v.lexical_dimension_mae.toFixed(2)})`} on ${formatCount(v.n)} articles${
          Object.keys(v.category_accuracy).length
            ? `; categories ${Object.entries(v.category_accuracy)
                .map(([k, a]) => `${k} ${formatPercent(a)}`)
                .join(", ")}`
            : ""
        }`.slice(0, 1024)
      : `not available: ${r.missing.validation ?? "the train result has none"}`.slice(0, 1024),
  });
  return fields;
}

/** An evaluation's headline figures and verdict (`/eval` shows the full report). */
export function evalResultFields(job: Job): APIEmbedField[] {
  const r = resultOf<EvalJobResult>(job, "eval");
  if (!r) return [];
  const m = r.metrics;
  return [
    {
      name: `Test split (${formatCount(r.n_test)} articles)`,
      value: `accuracy ${formatPercent(m.accuracy)} · tier agreement ${formatPercent(m.tier_agreement)} · overall MAE ${m.overall_mae.toFixed(2)} · dimension MAE ${m.dimension_mae.toFixed(2)}`,
    },
    ...(r.verdict.length ? [{ name: "Verdict", value: r.verdict.join("\n").slice(0, 1024) }] : []),
  ];
}

/** An oracle job's counts and spend (its result is kept current while it runs). */
export function oracleResultFields(job: Job): APIEmbedField[] {
  if (job.kind !== "oracle") return [];
  const parsed = oracleJobResultSchema.safeParse(job.result);
  if (!parsed.success) return [];
  const r = parsed.data;
  const failures = Object.entries(r.failed_by_reason)
    .map(([reason, n]) => `\`${reason}\` ${formatCount(n)}`)
    .join(", ");
  const fields: APIEmbedField[] = [
    { name: "Labelled", value: formatCount(r.labelled), inline: true },
    {
      name: "Failed",
      value: r.failed ? `${formatCount(r.failed)}: ${failures}`.slice(0, 1024) : "0",
      inline: true,
    },
    { name: "Blocked by prefilter", value: formatCount(r.blocked_by_prefilter), inline: true },
    { name: "Spent", value: `${formatUsd(r.spent_usd)} of ${formatUsd(r.budget_usd)}`, inline: true },
  ];
  if (r.pending && job.state !== "succeeded")
    fields.push({ name: "Pending", value: formatCount(r.pending), inline: true });
  if (r.paused_reason) fields.push({ name: "Paused", value: r.paused_reason.slice(0, 1024) });
  if (r.banner) fields.push({ name: "ℹ️ Note", value: r.banner.slice(0, 1024) });
  return fields;
}

/** A finished cascade scoring job: how many doubtful articles went to the oracle and how many it answered. */
export function cascadeField(job: Job): APIEmbedField | null {
  const c = resultOf<InferJobResult>(job, "infer")?.cascade;
  if (c?.state !== "done") return null;
  const kept = Object.entries(c.not_replaced).map(([why, n]) => `\`${why}\` ${formatCount(n)}`);
  const value =
    c.doubtful === 0
      ? `nothing doubtful${c.without_interval ? ` (${formatCount(c.without_interval)} without an interval)` : ""}`
      : `${formatCount(c.doubtful)} doubtful sent to the oracle, ${formatCount(c.replaced)} replaced` +
        (kept.length ? `; kept the student's answer: ${kept.join(", ")}` : "");
  return { name: "Cascade", value: value.slice(0, 1024) };
}

function progressFields(job: Job): APIEmbedField[] {
  const p = job.progress;
  const fields: APIEmbedField[] = [{ name: "Progress", value: `\`${progressBar(p.done, p.total)}\`` }];
  if (p.step !== undefined) fields.push({ name: "Step", value: formatCount(p.step), inline: true });
  if (p.loss !== undefined && p.loss !== null)
    fields.push({ name: "Loss", value: p.loss.toFixed(4), inline: true });
  if (p.eta_s !== undefined && p.eta_s !== null)
    fields.push({ name: "ETA", value: formatDuration(p.eta_s), inline: true });
  if (p.examples_per_s)
    fields.push({ name: "Speed", value: `${p.examples_per_s.toFixed(1)} ex/s`, inline: true });
  if (p.step_time_s)
    fields.push({ name: "Step time", value: `${Math.round(p.step_time_s * 1000)} ms`, inline: true });
  // Null MFU means the GPU's peak is unknown, which the field says rather than hiding.
  if (p.mfu !== undefined)
    fields.push({
      name: "MFU",
      value: p.mfu === null ? "n/a" : `${(p.mfu * 100).toFixed(1)}%`,
      inline: true,
    });
  if (p.message) fields.push({ name: "Now", value: p.message.slice(0, 1000) });
  return fields;
}

/**
 * The embed a job's message shows, for any state.
 * @example
 * await message.edit({ embeds: [jobEmbed(job)] });
 */
export function jobEmbed(job: Job): APIEmbed {
  const fields: APIEmbedField[] = [];
  if (
    job.state === "running" ||
    job.state === "paused" ||
    (job.state === "queued" && job.progress.done > 0)
  ) {
    fields.push(...progressFields(job));
  } else if (job.state === "queued" && job.progress.message) {
    // Why no node has taken it (the hub's reason, e.g. no connected node runs its student kind).
    fields.push({ name: "Waiting", value: job.progress.message.slice(0, 1024) });
  }
  if (job.state === "failed" && job.error) {
    fields.push({ name: "Reason", value: `\`${job.error.code}\`: ${job.error.message}`.slice(0, 1024) });
  }
  fields.push(...oracleResultFields(job));
  if (job.state === "succeeded") {
    const typed = typedJobResult(job);
    if (typed && !typed.ok)
      fields.push({
        name: "Result",
        value:
          `⚠️ this job's result does not match the ${job.kind} result schema (${typed.issue}): the node or the edge may run another version`.slice(
            0,
            1024,
          ),
      });
    fields.push(...trainResultFields(job), ...evalResultFields(job));
    const bakeoff = resultOf<BakeoffReport | BakeoffEstimate>(job, "bakeoff");
    if (bakeoff)
      fields.push(...("dry_run" in bakeoff ? bakeoffEstimateFields(bakeoff) : bakeoffReportFields(bakeoff)));
    const tiers = tierCounts(job);
    if (tiers)
      fields.push({
        name: "Articles per tier",
        value: tiers.map(([t, n]) => `**${t}**: ${formatCount(n)}`).join("\n"),
      });
    const cascade = cascadeField(job);
    if (cascade) fields.push(cascade);
    if (job.started_at && job.finished_at) {
      const seconds = (Date.parse(job.finished_at) - Date.parse(job.started_at)) / 1000;
      fields.push({ name: "Took", value: formatDuration(seconds), inline: true });
    }
  }
  return {
    title: `${KIND_LABELS[job.kind]} · ${job.id}`,
    description: `${STATE_ICONS[job.state]} **${job.state}** — ${jobSubject(job)}`,
    color: STATE_COLORS[job.state],
    fields,
    footer: { text: `created by ${job.created_by}` },
    timestamp: job.updated_at,
  };
}

/** One line per job for `/status`: id, kind, state, bar and ETA. */
export function jobLine(job: Job): string {
  const p = job.progress;
  const eta = p.eta_s ? ` · ETA ${formatDuration(p.eta_s)}` : "";
  const bar =
    job.state === "running" || job.state === "paused" ? ` \`${progressBar(p.done, p.total, 12)}\`` : "";
  const waiting = job.state === "queued" && p.message ? ` · ${p.message}` : "";
  return `${STATE_ICONS[job.state]} \`${job.id}\` ${KIND_LABELS[job.kind]} — ${job.state}${bar}${eta}${waiting}`;
}
