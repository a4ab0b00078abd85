/**
 * @module
 * The evaluation summary as Discord embeds: the quality bar (🟢 meets / 🔴 misses, per metric and per
 * dimension), the baselines (lexical and constant) beside the student, the tier confusion matrix as a
 * text table, the top tier as needles (recall, precision, Recall@k, NDCG@k), the student's own category
 * accuracy, the cascade (nothing sent = the headline, and the point to pick, each with its 95% lower
 * bound), the verdict, and one embed per chart pointing at its PNG attachment (`attachment://<name>.png`).
 * A part the report lacks shows the report's reason.
 */
import {
  cascadeHighlight,
  type EvalReport,
  meetsQualityBar,
  type NeedleMetrics,
  QUALITY_BAR,
  type QualityMetric,
} from "@distillery/shared";
import type { APIEmbed } from "discord.js";
import { formatPercent } from "./progress";

const PASS = "🟢";
const FAIL = "🔴";
const FIELD_LIMIT = 1024;

const METRIC_LABELS: Record<QualityMetric, string> = {
  accuracy: "accuracy (|Δ| ≤ 1)",
  tier_agreement: "tier agreement",
  overall_mae: "overall MAE",
  dimension_mae: "dimension MAE",
};

function metricValue(metric: QualityMetric, value: number): string {
  return QUALITY_BAR[metric].higher_is_better ? formatPercent(value) : value.toFixed(2);
}

/** Joins lines into a code block, dropping lines (and saying how many) to stay under Discord's limit. */
function codeBlock(lines: string[]): string {
  const kept: string[] = [];
  let size = 8;
  for (const [i, line] of lines.entries()) {
    const more = `… ${lines.length - i} more`;
    if (size + line.length + 1 + more.length + 1 > FIELD_LIMIT) {
      kept.push(more);
      break;
    }
    kept.push(line);
    size += line.length + 1;
  }
  return `\`\`\`\n${kept.join("\n")}\n\`\`\``;
}

/** The quality-bar rows: one per metric with value, target and a green/red mark. */
export function qualityBarLines(report: EvalReport): string[] {
  return (Object.keys(QUALITY_BAR) as QualityMetric[]).map((metric) => {
    const value = report.metrics[metric];
    const bar = QUALITY_BAR[metric];
    const target = `${bar.higher_is_better ? "≥" : "≤"} ${metricValue(metric, bar.target)}`;
    return `${meetsQualityBar(metric, value) ? PASS : FAIL} ${METRIC_LABELS[metric].padEnd(19)} ${metricValue(metric, value).padStart(6)}  ${target}`;
  });
}

/** Per-dimension MAE rows against the dimension bar, with Spearman. */
export function dimensionLines(report: EvalReport): string[] {
  const width = Math.max(...Object.keys(report.metrics.per_dimension).map((k) => k.length), 4);
  return Object.entries(report.metrics.per_dimension).map(([key, m]) => {
    const mark = meetsQualityBar("dimension_mae", m.mae) ? PASS : FAIL;
    const rho = m.spearman === null ? "  n/a" : m.spearman.toFixed(2).padStart(5);
    return `${mark} ${key.padEnd(width)} ${m.mae.toFixed(2).padStart(5)}  ρ ${rho}`;
  });
}

/** The tier confusion matrix as an aligned text table (rows oracle, columns student). */
export function confusionTable(report: EvalReport): string[] {
  const { labels, matrix } = report.tier_confusion;
  const cell = Math.max(5, ...labels.map((l) => l.length), ...matrix.flat().map((n) => String(n).length));
  const head = `${"oracle\\student".padEnd(cell + 2)}${labels.map((l) => l.padStart(cell)).join(" ")}`;
  const rows = labels.map(
    (label, i) =>
      `${label.padEnd(cell + 2)}${labels.map((_, j) => String(matrix[i]?.[j] ?? 0).padStart(cell)).join(" ")}`,
  );
  return [head, ...rows];
}

function baselineLines(report: EvalReport): string[] {
  const rows: [string, EvalReport["metrics"] | null][] = [
    ["student", report.metrics],
    ["lexical", report.baselines.lexical],
    ["constant", report.baselines.constant],
  ];
  const lines = [
    `${"".padEnd(9)}${"dim MAE".padStart(8)}${"tiers".padStart(8)}`,
    ...rows.map(([name, m]) =>
      m
        ? `${name.padEnd(9)}${m.dimension_mae.toFixed(2).padStart(8)}${formatPercent(m.tier_agreement).padStart(8)}`
        : `${name.padEnd(9)}${"not run".padStart(16)}`,
    ),
  ];
  if (!report.baselines.lexical)
    lines.push(`lexical: ${report.missing["baselines.lexical"] ?? "not computed"}`);
  return lines;
}

/** The student's own categories against the oracle's: accuracy per field, then its confusion rows. */
export function categoryLines(report: EvalReport): string[] {
  const fields = Object.entries(report.categories);
  if (fields.length === 0) return [`none: ${report.missing.categories ?? "not computed"}`];
  return fields.flatMap(([key, c]) => {
    const cell = Math.max(4, ...c.labels.map((l) => l.length));
    return [
      `${key}: ${formatPercent(c.accuracy)} right on ${c.n}`,
      `  ${"oracle\\student".padEnd(cell + 2)}${c.labels.map((l) => l.padStart(cell)).join(" ")}`,
      ...c.labels.map(
        (label, i) =>
          `  ${label.padEnd(cell + 2)}${c.labels.map((_, j) => String(c.matrix[i]?.[j] ?? 0).padStart(cell)).join(" ")}`,
      ),
    ];
  });
}

const percentOrNa = (value: number | null) => (value === null ? "n/a" : formatPercent(value));

/**
 * The top tier(s) as needles: recall and precision (with support) and R-precision for the student and
 * the baselines, then the student's Recall@k and NDCG@k, compact. Null figures show the report's reason.
 */
export function needleLines(report: EvalReport): string[] {
  const needle = report.needle;
  if (!needle) return [`none: ${report.missing.needle ?? "not computed"}`];
  const tiers = needle.top_tiers.map((t) => `'${t}'`).join(", ");
  const head = `${tiers}: ${needle.support} of ${needle.n} test articles (oracle)`;
  if (needle.support === 0) return [head, `recall n/a: ${needle.missing.recall ?? "not computed"}`];
  const rPrecision = (m: NeedleMetrics) =>
    m.recall_at_k.find((point) => point.k === m.support)?.value ?? null;
  const rows: [string, NeedleMetrics | null][] = [
    ["student", needle],
    ["lexical", report.baselines_needle?.lexical ?? null],
    ["constant", report.baselines_needle?.constant ?? null],
  ];
  const lines = [
    head,
    `${"".padEnd(9)}${"recall".padStart(7)}${"precis.".padStart(8)}${"R-prec".padStart(8)}`,
    ...rows
      .filter(([, m]) => m !== null)
      .map(
        ([name, m]) =>
          `${name.padEnd(9)}${percentOrNa(m!.recall).padStart(7)}${percentOrNa(m!.precision).padStart(8)}${percentOrNa(rPrecision(m!)).padStart(8)}`,
      ),
    `student calls ${needle.predicted} top tier; k = ${needle.support} = R (R-prec)`,
    `Recall@k ${needle.recall_at_k.map((p) => `${p.k}: ${percentOrNa(p.value)}`).join(" · ")}`,
    `NDCG@k   ${needle.ndcg_at_k.map((p) => `${p.k}: ${p.value === null ? "n/a" : p.value.toFixed(2)}`).join(" · ")}`,
  ];
  if (needle.precision === null) lines.push(`precision n/a: ${needle.missing.precision}`);
  return lines;
}

/** The cascade beside the headline: nothing sent (= the headline) and the point to pick, with lower bounds. */
export function cascadeLines(report: EvalReport): string[] {
  const [alone] = report.cascade;
  const point = cascadeHighlight(report.cascade);
  if (!alone || !point) return [`none: ${report.missing.cascade ?? "not computed"}`];
  const line = (label: string, p: NonNullable<typeof point>) =>
    `${label.padEnd(14)}${formatPercent(p.share_to_oracle).padStart(7)} sent  ${formatPercent(p.tier_agreement).padStart(6)} tiers (≥ ${formatPercent(p.tier_agreement_lower)})`;
  const lines = [line("nothing sent", alone)];
  if (point.coverage !== null) {
    lines.push(line(`coverage ${formatPercent(point.coverage)}`, point));
    if (point.coverage_reached !== null)
      lines.push(`coverage reached on the test split: ${formatPercent(point.coverage_reached)}`);
  }
  return lines;
}

/**
 * The summary embed plus one embed per chart; `charts` are the attachment file names, in order.
 * @example
 * interaction.editReply({ embeds: evalEmbeds(report, ["scatter.png"]), files: [...] });
 */
export function evalEmbeds(report: EvalReport, charts: { file: string; title: string }[] = []): APIEmbed[] {
  const allPass = (Object.keys(QUALITY_BAR) as QualityMetric[]).every((m) =>
    meetsQualityBar(m, report.metrics[m]),
  );
  const summary: APIEmbed = {
    title: `Evaluation · ${report.filter} v${report.filter_version} · ${report.model.id}`,
    description: `${report.model.kind} student on \`${report.model.base_model}\` (${report.model.backend}), ${report.n_test} test articles. ${allPass ? `${PASS} meets the quality bar.` : `${FAIL} misses the quality bar.`}`,
    color: allPass ? 0x57f287 : 0xed4245,
    fields: [
      { name: "Quality bar", value: codeBlock(qualityBarLines(report)) },
      {
        name: `MAE per dimension (bar ≤ ${QUALITY_BAR.dimension_mae.target})`,
        value: codeBlock(dimensionLines(report)),
      },
      { name: "Tier confusion", value: codeBlock(confusionTable(report)) },
      { name: "Against the baselines", value: codeBlock(baselineLines(report)) },
      { name: "Top tier (rare)", value: codeBlock(needleLines(report)) },
      { name: "Categories (the student's own)", value: codeBlock(categoryLines(report)) },
      { name: "Cascade (≥: 95% lower bound)", value: codeBlock(cascadeLines(report)) },
    ],
    timestamp: report.created_at,
  };
  if (report.verdict.length) {
    summary.fields!.push({ name: "Verdict", value: report.verdict.join("\n").slice(0, FIELD_LIMIT) });
  }
  const chartEmbeds = charts.map(
    (chart): APIEmbed => ({
      title: chart.title,
      image: { url: `attachment://${chart.file}` },
      color: summary.color!,
    }),
  );
  return [summary, ...chartEmbeds];
}
