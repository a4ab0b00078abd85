/**
 * @module
 * `report.html`: one self-contained page (no scripts, no network) with the report's figures as tables
 * and its charts as inline SVG — the shared eval charts (`evalChartSpecs`, rendered by
 * `@distillery/shared/node/charts`, the same pictures the bot posts) plus the cascade trade-off curve.
 */
import {
  CASCADE_GOAL,
  CHART_COLORS,
  CHART_SIZE,
  type DistillReport,
  darkThemeConfig,
  type EvalReport,
  evalChartSpecs,
  type Metrics,
} from "@distillery/shared";
import { renderChartSvg } from "@distillery/shared/node/charts";
import type { TopLevelSpec } from "vega-lite";

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
const num = (value: number | null | undefined, digits = 3) =>
  value === null || value === undefined ? "–" : String(Math.round(value * 10 ** digits) / 10 ** digits);
const pct = (value: number) => `${Math.round(value * 1000) / 10}%`;

/** Share sent to the oracle (x) against tier agreement of the combined result (y), one point per coverage. */
export function cascadeSpec(report: Pick<EvalReport, "cascade">): TopLevelSpec {
  const goal = CASCADE_GOAL.tier_agreement;
  const points = report.cascade.map((p) => ({ ...p, label: `${Math.round(p.coverage * 100)}%` }));
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: "Cascade: share sent to the oracle vs tier agreement",
    width: CHART_SIZE.width,
    height: CHART_SIZE.height,
    autosize: { type: "fit", contains: "padding" },
    config: darkThemeConfig,
    data: { values: points },
    layer: [
      { mark: { type: "line", point: true, color: CHART_COLORS.accent, strokeWidth: 2 } },
      { mark: { type: "text", dy: -10, color: CHART_COLORS.accent }, encoding: { text: { field: "label" } } },
      {
        data: { values: [{ y: goal }] },
        mark: { type: "rule", strokeDash: [6, 4], color: CHART_COLORS.secondary },
        encoding: { y: { field: "y", type: "quantitative" } },
      },
    ],
    encoding: {
      x: {
        field: "share_to_oracle",
        type: "quantitative",
        title: "share sent to the oracle",
        axis: { format: "%" },
      },
      y: {
        field: "tier_agreement",
        type: "quantitative",
        title: "tier agreement",
        axis: { format: "%" },
        scale: { zero: false },
      },
    },
  } as TopLevelSpec;
}

function metricsRow(name: string, m: Metrics | null): string {
  if (!m) return `<tr><td>${escapeHtml(name)}</td><td colspan="4">not computed</td></tr>`;
  return `<tr><td>${escapeHtml(name)}</td><td>${pct(m.accuracy)}</td><td>${pct(m.tier_agreement)}</td><td>${num(m.overall_mae)}</td><td>${num(m.dimension_mae)}</td></tr>`;
}

/** An eval report, with what a file-based `distill` run adds when there is one. */
export type ReportForHtml = EvalReport &
  Partial<Pick<DistillReport, "labels" | "dataset" | "calibration" | "cascade_goal">>;

/**
 * The page for a report (from `distill`, or an eval job's report from the edge).
 * @example
 * await writeFile("out/report.html", await renderReportHtml(report));
 */
export async function renderReportHtml(report: ReportForHtml): Promise<string> {
  const charts: string[] = [];
  for (const chart of evalChartSpecs(report)) charts.push(await renderChartSvg(chart.spec));
  if (report.cascade.length > 0) charts.push(await renderChartSvg(cascadeSpec(report)));
  const dims = Object.entries(report.metrics.per_dimension)
    .map(([key, d]) => {
      const cal = report.calibration?.[key];
      return `<tr><td>${escapeHtml(key)}</td><td>${num(d.mae)}</td><td>${num(d.spearman)}</td><td>${num(cal?.mae_before)}</td><td>${num(cal?.mae_after)}</td></tr>`;
    })
    .join("");
  const languages = Object.entries(report.per_language)
    .map(
      ([language, m]) =>
        `<tr><td>${escapeHtml(language)}</td><td>${m.n}</td><td>${pct(m.tier_agreement)}</td><td>${num(m.overall_mae)}</td><td>${num(m.dimension_mae)}</td></tr>`,
    )
    .join("");
  const cascade = report.cascade
    .map(
      (p) =>
        `<tr><td>${pct(p.coverage)}</td><td>${pct(p.share_to_oracle)}</td><td>${pct(p.tier_agreement)}</td><td>$${num(p.usd_per_1000, 4)}</td></tr>`,
    )
    .join("");
  const bar = Object.entries(report.quality_bar)
    .map(
      ([key, v]) =>
        `<tr><td>${escapeHtml(key)}</td><td>${num(v.value)}</td><td>${v.target}</td><td class="${v.pass ? "pass" : "fail"}">${v.pass ? "pass" : "below"}</td></tr>`,
    )
    .join("");
  const title = `${report.filter} v${report.filter_version}: ${report.model.kind} student`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body{font-family:"DejaVu Sans",system-ui,sans-serif;background:#111418;color:#e6e6e6;margin:2rem auto;max-width:1000px;line-height:1.4}
table{border-collapse:collapse;margin:0.5rem 0 1.5rem}td,th{border-bottom:1px solid #333;padding:0.3rem 0.8rem;text-align:right}
td:first-child,th:first-child{text-align:left}.pass{color:#5fd47e}.fail{color:#ff6b6b}figure{margin:1rem 0}svg{max-width:100%;height:auto}
</style></head><body>
<h1>${escapeHtml(title)}</h1>
<p>Model: ${escapeHtml(report.model.base_model)} (${escapeHtml(report.model.backend)}). Test split: ${report.n_test} articles${report.dataset ? ` of ${report.dataset.total}` : ""}${
    report.labels && report.dataset
      ? `
(labels: ${report.labels.imported} imported, ${report.labels.skipped} skipped; ${report.dataset.near_duplicates_removed} near duplicates removed)`
      : ""
  }. ${escapeHtml(report.created_at)}</p>
<ul>${report.verdict.map((v) => `<li>${escapeHtml(v)}</li>`).join("")}</ul>
<h2>Quality bar</h2><table><tr><th>metric</th><th>value</th><th>target</th><th></th></tr>${bar}</table>
<h2>Student and baselines</h2><table><tr><th></th><th>accuracy</th><th>tier agreement</th><th>overall MAE</th><th>dimension MAE</th></tr>
${metricsRow("student", report.metrics)}${metricsRow("constant (train median)", report.baselines.constant)}${metricsRow("lexical (TF-IDF + ridge)", report.baselines.lexical)}</table>
<h2>Per dimension</h2><table><tr><th>dimension</th><th>MAE</th><th>Spearman</th><th>val MAE before calibration</th><th>after</th></tr>${dims}</table>
<h2>Per language</h2><table><tr><th>language</th><th>n</th><th>tier agreement</th><th>overall MAE</th><th>dimension MAE</th></tr>${languages}</table>
<h2>Cascade</h2>${
    report.cascade_goal
      ? `<p>Goal: at least ${pct(report.cascade_goal.tier_agreement)} tier agreement with at most ${pct(report.cascade_goal.max_share_to_oracle)} sent to the oracle
(${escapeHtml(report.cascade_goal.oracle_model)}, about $${num(report.cascade_goal.usd_per_oracle_call, 5)} per call).</p>`
      : ""
  }
${cascade ? `<table><tr><th>coverage</th><th>sent to oracle</th><th>tier agreement</th><th>USD per 1,000 articles</th></tr>${cascade}</table>` : "<p>This student carries no conformal calibration.</p>"}
<h2>Charts</h2>${charts.map((svg) => `<figure>${svg}</figure>`).join("\n")}
</body></html>
`;
}
