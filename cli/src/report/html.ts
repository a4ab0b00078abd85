/**
 * @module
 * `report.html`: one self-contained page (no scripts, no network) with every figure of a report as a
 * table and its charts as inline SVG (the shared eval charts rendered by
 * `@distillery/shared/node/charts`, the same pictures the bot posts): the model, the verdict, the quality
 * bar, the student beside both baselines (with the 95% lower bound of tier agreement), the top tier as
 * needles (recall, precision, Recall@k and NDCG@k beside the baselines), per dimension
 * with test MAE before/after calibration, per language, the out-of-fold validation figures, category
 * accuracy and confusion, the cascade table (coverage asked vs reached, lower bounds) and the training
 * curve. A field the report could not fill shows its reason, never a bare dash.
 */
import {
  type CategoryMetrics,
  type DistillReport,
  type EvalReport,
  evalChartSpecs,
  type Metrics,
  type NeedleMetrics,
  wilsonLowerBound,
} from "@distillery/shared";
import { renderChartSvg } from "@distillery/shared/node/charts";

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
const num = (value: number, digits = 3) => String(Math.round(value * 10 ** digits) / 10 ** digits);
const pct = (value: number) => `${Math.round(value * 1000) / 10}%`;
const spearmanText = (value: number | null) =>
  value === null ? '<span class="why">undefined (one side is constant)</span>' : num(value);
const cells = (values: string[], tag = "td") => values.map((v) => `<${tag}>${v}</${tag}>`).join("");
const table = (head: string[], rows: string[][]) =>
  `<table><tr>${cells(head.map(escapeHtml), "th")}</tr>${rows.map((r) => `<tr>${cells(r)}</tr>`).join("")}</table>`;
/** A field left out, with its reason: what the page shows instead of a dash. */
const because = (report: EvalReport, field: string) =>
  `<p class="why">Not available: ${escapeHtml(report.missing[field] ?? "not computed")}.</p>`;

function metricsCells(m: Metrics): string[] {
  const lower = wilsonLowerBound(Math.round(m.tier_agreement * m.n), m.n);
  return [
    pct(m.accuracy),
    pct(m.tier_agreement),
    pct(lower),
    num(m.overall_mae),
    num(m.dimension_mae),
    spearmanText(m.overall_spearman),
    String(m.n),
  ];
}

function baselinesSection(report: EvalReport): string {
  const head = [
    "",
    "accuracy",
    "tier agreement",
    "95% lower bound",
    "overall MAE",
    "dimension MAE",
    "overall Spearman",
    "n",
  ];
  const row = (name: string, m: Metrics | null, field: string) =>
    m
      ? `<tr>${cells([escapeHtml(name), ...metricsCells(m)])}</tr>`
      : `<tr><td>${escapeHtml(name)}</td><td colspan="${head.length - 1}" class="why">not available: ${escapeHtml(report.missing[field] ?? "not computed")}</td></tr>`;
  return `<h2>Student and baselines (test split)</h2><table><tr>${cells(head, "th")}</tr>${[
    row("student", report.metrics, "metrics"),
    row("constant (train median, most frequent category)", report.baselines.constant, "baselines.constant"),
    row("lexical (TF-IDF + ridge, fitted on train)", report.baselines.lexical, "baselines.lexical"),
  ].join("")}</table>`;
}

/**
 * The top tier(s) as needles (shared `needleMetrics`): recall and precision beside the baselines, then
 * Recall@k and NDCG@k per cut-off; every null figure shows its reason below the tables.
 */
function needleSection(report: EvalReport): string {
  const title = "<h2>Top tier as needles (test split)</h2>";
  const needle = report.needle;
  if (!needle) return `${title}${because(report, "needle")}`;
  const tiers = needle.top_tiers.map((t) => `<code>${escapeHtml(t)}</code>`).join(", ");
  const orNa = (value: number | null, show: (v: number) => string) =>
    value === null ? '<span class="why">n/a</span>' : show(value);
  const runs: [string, NeedleMetrics | null][] = [
    ["student", needle],
    ["constant", report.baselines_needle?.constant ?? null],
    ["lexical", report.baselines_needle?.lexical ?? null],
  ];
  const present = runs.filter((run): run is [string, NeedleMetrics] => run[1] !== null);
  const rPrecision = (m: NeedleMetrics) => m.recall_at_k.find((p) => p.k === m.support)?.value ?? null;
  const summary = table(
    ["", "called top", "recall", "precision", "R-precision"],
    present.map(([name, m]) => [
      name,
      String(m.predicted),
      orNa(m.recall, pct),
      orNa(m.precision, pct),
      orNa(rPrecision(m), pct),
    ]),
  );
  const atK = (m: NeedleMetrics, k: number) => [
    orNa(m.recall_at_k.find((p) => p.k === k)?.value ?? null, pct),
    orNa(m.ndcg_at_k.find((p) => p.k === k)?.value ?? null, num),
  ];
  const byK = needle.recall_at_k.length
    ? table(
        ["k", ...present.flatMap(([name]) => [`${name} Recall@k`, `${name} NDCG@k`])],
        needle.recall_at_k.map(({ k }) => [
          k === needle.support ? `${k} (= R)` : String(k),
          ...present.flatMap(([, m]) => atK(m, k)),
        ]),
      )
    : "";
  const reasons = present.flatMap(([name, m]) =>
    Object.entries(m.missing).map(
      ([field, why]) => `<li>${name} <code>${field}</code>: ${escapeHtml(why)}</li>`,
    ),
  );
  return `${title}<p>Top tier ${tiers}: ${needle.support} of ${needle.n} test articles by the oracle's scores (R).</p>
${summary}${byK}${reasons.length ? `<ul class="why">${reasons.join("")}</ul>` : ""}${
  report.baselines_needle?.lexical ? "" : because(report, "baselines_needle.lexical")
}`;
}

function dimensionsSection(report: EvalReport): string {
  const calibration = report.calibration;
  const validation = report.validation;
  const head = ["dimension", "test MAE", "Spearman"];
  if (calibration) head.push("test MAE before calibration", "after", "isotonic applied");
  if (validation) head.push("out-of-fold MAE (validation)");
  const rows = Object.entries(report.metrics.per_dimension).map(([key, d]) => {
    const row = [escapeHtml(key), num(d.mae), spearmanText(d.spearman)];
    const cal = calibration?.[key];
    if (calibration)
      row.push(
        cal ? num(cal.mae_before) : "not reported",
        cal ? num(cal.mae_after) : "not reported",
        cal ? (cal.applied ? "yes" : "no (kept raw)") : "not reported",
      );
    const oof = validation?.per_dimension[key];
    if (validation) row.push(oof === undefined ? "not reported" : num(oof));
    return row;
  });
  return `<h2>Per dimension</h2>${table(head, rows)}${
    calibration
      ? ""
      : `<p class="why">Calibration before/after: ${escapeHtml(report.missing.calibration ?? "not computed")}.</p>`
  }`;
}

function validationSection(report: EvalReport): string {
  const v = report.validation;
  if (!v) return `<h2>Validation (out-of-fold, from training)</h2>${because(report, "validation")}`;
  const categories = Object.entries(v.category_accuracy)
    .map(([key, share]) => `${escapeHtml(key)} ${pct(share)}`)
    .join(", ");
  return `<h2>Validation (out-of-fold, from training)</h2>
<p>${escapeHtml(v.method)}: ${v.n} articles, none scored by a model fitted on it.</p>
${table(
  ["", "value"],
  [
    ["dimension MAE", num(v.dimension_mae)],
    [
      "lexical model's dimension MAE on the same rows",
      v.lexical_dimension_mae === null
        ? '<span class="why">not compared with the lexical model</span>'
        : num(v.lexical_dimension_mae),
    ],
    ["category accuracy", categories || '<span class="why">the student predicts no categories</span>'],
  ],
)}`;
}

function categoryTable(key: string, c: CategoryMetrics): string {
  const rows = c.labels.map((label, i) => [
    escapeHtml(label),
    ...c.labels.map((_, j) => String(c.matrix[i]?.[j] ?? 0)),
  ]);
  return `<h3>${escapeHtml(key)}: ${pct(c.accuracy)} right on ${c.n} articles</h3>${table(
    ["oracle \\ student", ...c.labels],
    rows,
  )}`;
}

function categoriesSection(report: EvalReport): string {
  const fields = Object.entries(report.categories);
  if (fields.length === 0)
    return `<h2>Categories (the student's own, test split)</h2>${because(report, "categories")}`;
  const notes = Object.entries(report.missing)
    .filter(([field]) => field.startsWith("categories."))
    .map(([field, why]) => `<p class="why">${escapeHtml(field.slice(11))}: ${escapeHtml(why)}.</p>`)
    .join("");
  return `<h2>Categories (the student's own, test split)</h2>${fields.map(([k, c]) => categoryTable(k, c)).join("")}${notes}`;
}

function cascadeSection(report: ReportForHtml): string {
  const goal = report.cascade_goal
    ? `<p>Goal: at least ${pct(report.cascade_goal.tier_agreement)} tier agreement with at most ${pct(report.cascade_goal.max_share_to_oracle)} sent to the oracle
(${escapeHtml(report.cascade_goal.oracle_model)}, ${
        report.cascade_goal.usd_per_oracle_call === null
          ? "price unknown"
          : `about $${num(report.cascade_goal.usd_per_oracle_call, 5)} per call`
      }): ${
        report.cascade_goal.met_at
          ? report.cascade_goal.met_at.coverage === null
            ? "met with nothing sent."
            : `met at coverage ${pct(report.cascade_goal.met_at.coverage)}.`
          : "not met."
      }</p>`
    : "";
  if (report.cascade.length === 0) return `<h2>Cascade</h2>${goal}${because(report, "cascade")}`;
  const rows = report.cascade.map((p) => [
    p.coverage === null ? "nothing sent" : pct(p.coverage),
    p.coverage_reached === null ? "no intervals" : pct(p.coverage_reached),
    pct(p.share_to_oracle),
    pct(p.tier_agreement),
    pct(p.tier_agreement_lower),
    p.usd_per_1000 === null ? "price unknown" : `$${num(p.usd_per_1000, 4)}`,
  ]);
  return `<h2>Cascade (test split)</h2>${goal}
<p>Doubtful articles (interval across a tier boundary) go to the oracle and take its tier. Coverage asked is
the conformal level; coverage reached is the share of test articles whose oracle score fell inside their interval.</p>
${table(
  [
    "coverage asked",
    "coverage reached",
    "sent to oracle",
    "tier agreement",
    "95% lower bound",
    "USD per 1,000 articles",
  ],
  rows,
)}`;
}

function missingSection(report: EvalReport): string {
  const entries = Object.entries(report.missing);
  if (entries.length === 0) return "";
  return `<h2>Not computed, and why</h2><ul>${entries
    .map(([field, why]) => `<li><code>${escapeHtml(field)}</code>: ${escapeHtml(why)}</li>`)
    .join("")}</ul>`;
}

/** An eval report, with what a file-based `distill` run adds when there is one. */
export type ReportForHtml = EvalReport & Partial<Pick<DistillReport, "labels" | "dataset" | "cascade_goal">>;

/**
 * The page for a report (from `distill`, or an eval job's report from the edge).
 * @example
 * await writeFile("out/report.html", await renderReportHtml(report));
 */
export async function renderReportHtml(report: ReportForHtml): Promise<string> {
  const charts: string[] = [];
  for (const chart of evalChartSpecs(report)) charts.push(await renderChartSvg(chart.spec));
  const languages = Object.entries(report.per_language).map(([language, m]) => [
    escapeHtml(language),
    String(m.n),
    pct(m.tier_agreement),
    pct(wilsonLowerBound(Math.round(m.tier_agreement * m.n), m.n)),
    num(m.overall_mae),
    num(m.dimension_mae),
  ]);
  const bar = Object.entries(report.quality_bar).map(([key, v]) => [
    escapeHtml(key),
    num(v.value),
    String(v.target),
    `<span class="${v.pass ? "pass" : "fail"}">${v.pass ? "pass" : "below"}</span>`,
  ]);
  const curve = report.training_curve
    ? `<p>${report.training_curve.unit === "step" ? "Loss per optimiser step" : "Learning curve: training and out-of-fold MAE against the number of training articles"} (${report.training_curve.points.length} points; chart below).</p>`
    : because(report, "training_curve");
  const title = `${report.filter} v${report.filter_version}: ${report.model.kind} student`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body{font-family:"DejaVu Sans",system-ui,sans-serif;background:#111418;color:#e6e6e6;margin:2rem auto;max-width:1000px;line-height:1.4}
table{border-collapse:collapse;margin:0.5rem 0 1.5rem}td,th{border-bottom:1px solid #333;padding:0.3rem 0.8rem;text-align:right}
td:first-child,th:first-child{text-align:left}.pass{color:#5fd47e}.fail{color:#ff6b6b}.why{color:#c9a227}figure{margin:1rem 0}svg{max-width:100%;height:auto}
</style></head><body>
<h1>${escapeHtml(title)}</h1>
<p>Model <code>${escapeHtml(report.model.id)}</code>: ${escapeHtml(report.model.kind)} on <strong>${escapeHtml(report.model.base_model)}</strong>, run with ${escapeHtml(report.model.backend)}.
Test split: ${report.n_test} articles${report.dataset ? ` of ${report.dataset.total}` : ""}${
    report.labels && report.dataset
      ? `
(labels: ${report.labels.imported} imported, ${report.labels.skipped} skipped; ${report.dataset.near_duplicates_removed} near duplicates removed)`
      : ""
  }. ${escapeHtml(report.created_at)}</p>
<ul>${report.verdict.map((v) => `<li>${escapeHtml(v)}</li>`).join("")}</ul>
<h2>Quality bar</h2>${table(["metric", "value", "target", ""], bar)}
${baselinesSection(report)}
${needleSection(report)}
${dimensionsSection(report)}
<h2>Per language</h2>${
    languages.length
      ? table(
          ["language", "n", "tier agreement", "95% lower bound", "overall MAE", "dimension MAE"],
          languages,
        )
      : because(report, "per_language")
  }
${validationSection(report)}
${categoriesSection(report)}
${cascadeSection(report)}
<h2>Training curve</h2>${curve}
<h2>Charts</h2>${charts.map((svg) => `<figure>${svg}</figure>`).join("\n")}
${missingSection(report)}
</body></html>
`;
}
