/**
 * @module
 * A bake-off report (`BakeoffReport`, the job's result) as text for a terminal: the sample, one row
 * per oracle (cost per article, labelled/failed, self-consistency), each pair's agreement per
 * dimension, the first disagreements, what could not be computed and why, and one closing line per
 * pair that tells bias (one oracle scoring higher on average) from noise (an oracle not agreeing with
 * itself). Oracles are lettered A-D in the tables; the closing lines use their names.
 */
import type { BakeoffOracleReport, BakeoffPair, BakeoffReport } from "@distillery/shared";

const NONE = "—";
/** Below this, a mean difference is reported as no bias. */
const NO_BIAS = 0.05;
/** Disagreements listed in the text form (`--json` has the edge's full list). */
const SHOWN_DISAGREEMENTS = 10;

type Align = "left" | "right";

/** Rows as columns padded to their widest cell; the first row is the header. */
export function table(rows: readonly string[][], align: readonly Align[]): string[] {
  const widths = align.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length)));
  return rows.map((row) =>
    `  ${align
      .map((side, column) => {
        const cell = row[column] ?? "";
        return side === "left" ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!);
      })
      .join("  ")}`.trimEnd(),
  );
}

const letter = (position: number) => String.fromCharCode(65 + position);
const percent = (share: number) => `${(share * 100).toFixed(1)}%`;
const fixed = (value: number) => value.toFixed(2);
const signed = (value: number) => `${value > 0 ? "+" : value < 0 ? "-" : "±"}${Math.abs(value).toFixed(2)}`;
const dollars = (usd: number) =>
  usd !== 0 && Math.abs(usd) < 0.01 ? `$${usd.toFixed(6)}` : `$${usd.toFixed(2)}`;

/** `+0.90 (A higher)`: the sign of a − b and who scores higher. */
function bias(value: number, a: string, b: string): string {
  if (Math.abs(value) < NO_BIAS) return `${signed(value)} (even)`;
  return `${signed(value)} (${value > 0 ? a : b} higher)`;
}

function failures(oracle: BakeoffOracleReport): string {
  const reasons = Object.entries(oracle.failed_by_reason).map(([reason, n]) => `${reason} ${n}`);
  return reasons.length ? `${oracle.failed} (${reasons.join(", ")})` : String(oracle.failed);
}

function oracleTable(report: BakeoffReport): string[] {
  const rows = report.oracles.map((o, i) => [
    letter(i),
    o.name,
    o.thinking === null ? "none" : String(o.thinking),
    o.usd_per_article === null ? NONE : dollars(o.usd_per_article),
    dollars(o.cost_usd),
    String(o.labelled),
    o.self_consistency ? fixed(o.self_consistency.overall_mae) : NONE,
    o.self_consistency ? percent(o.self_consistency.tier_agreement) : NONE,
    o.self_consistency ? String(o.self_consistency.n) : NONE,
    failures(o),
  ]);
  const header = [
    "",
    "oracle",
    "thinking",
    "$/article",
    "cost",
    "labelled",
    "self MAE",
    "self tiers",
    "repeated",
    "failed",
  ];
  const align: Align[] = [
    "left",
    "left",
    "left",
    "right",
    "right",
    "right",
    "right",
    "right",
    "right",
    "left",
  ];
  return ["Oracles (self-consistency: the same article asked twice)", ...table([header, ...rows], align)];
}

function pairLines(report: BakeoffReport, pair: BakeoffPair): string[] {
  const a = letter(report.oracles.findIndex((o) => o.name === pair.a));
  const b = letter(report.oracles.findIndex((o) => o.name === pair.b));
  const rows = pair.dimensions.map((d) => [
    d.key,
    fixed(d.mae),
    bias(d.bias, a, b),
    d.correlation === null ? NONE : d.correlation.toFixed(2),
  ]);
  return [
    `${a} vs ${b} (${pair.a} vs ${pair.b}), ${pair.n} articles both answered: overall MAE ${fixed(pair.overall_mae)}, bias ${bias(pair.overall_bias, a, b)}, tier agreement ${percent(pair.tier_agreement)}`,
    ...table(
      [["dimension", "MAE", `bias (${a} - ${b})`, "correlation"], ...rows],
      ["left", "right", "left", "right"],
    ),
  ];
}

function disagreementLines(report: BakeoffReport): string[] {
  if (report.disagreements_total === 0)
    return ["Disagreements: none (every article got the same tier from all)"];
  const shown = report.disagreements.slice(0, SHOWN_DISAGREEMENTS);
  const rows = shown.map((d) => [
    d.article_id,
    d.title.length > 50 ? `${d.title.slice(0, 49)}…` : d.title,
    ...report.oracles.map((o) => {
      const answer = d.answers[o.name];
      return answer ? `${answer.tier} (${answer.overall.toFixed(1)})` : NONE;
    }),
  ]);
  const header = ["article", "title", ...report.oracles.map((_, i) => letter(i))];
  return [
    `Disagreements: ${report.disagreements_total} articles got different tiers (first ${shown.length}, largest spread first)`,
    ...table(
      [header, ...rows],
      header.map(() => "left"),
    ),
  ];
}

/** `oracles.1.self_consistency` → `B openai:deepseek-chat self-consistency`. */
function missingLabel(report: BakeoffReport, path: string): string {
  const oracle = /^oracles\.(\d+)\.(.+)$/.exec(path);
  if (oracle) {
    const position = Number(oracle[1]);
    const name = report.oracles[position]?.name ?? `oracle ${position + 1}`;
    return `${letter(position)} ${name} ${oracle[2]!.replaceAll("_", " ").replace("self consistency", "self-consistency")}`;
  }
  const pair = /^pairs\.(.+)\|(.+)$/.exec(path);
  if (pair) return `${pair[1]} vs ${pair[2]}`;
  return path;
}

/**
 * The closing line of a pair: bias (a mean difference) apart from noise (each oracle's
 * disagreement with itself).
 * @example
 * verdictLine(report, report.pairs[0]!)
 * // "openai:deepseek-chat scores 0.90 higher than gemini:gemini-2.5-flash on average (bias); gemini:… repeats itself within 0.00, openai:… within 0.61 (noise)"
 */
export function verdictLine(report: BakeoffReport, pair: BakeoffPair): string {
  const value = pair.overall_bias;
  const biasText =
    Math.abs(value) < NO_BIAS
      ? `${pair.a} and ${pair.b} score the same on average (bias ${signed(value)})`
      : value > 0
        ? `${pair.a} scores ${fixed(value)} higher than ${pair.b} on average (bias)`
        : `${pair.b} scores ${fixed(-value)} higher than ${pair.a} on average (bias)`;
  const noise = (name: string) => {
    const position = report.oracles.findIndex((o) => o.name === name);
    const own = report.oracles[position]?.self_consistency;
    if (own) return `within ${fixed(own.overall_mae)}`;
    return `${NONE} (${report.missing[`oracles.${position}.self_consistency`] ?? "not measured"})`;
  };
  return `${biasText}; ${pair.a} repeats itself ${noise(pair.a)}, ${pair.b} ${noise(pair.b)} (noise)`;
}

/**
 * The whole report as text, ending with a newline.
 * @example
 * io.out(formatBakeoffReport(bakeoffReportSchema.parse(job.result)));
 */
export function formatBakeoffReport(report: BakeoffReport): string {
  const strata = Object.entries(report.sample.strata)
    .map(([stratum, n]) => `${stratum} ${n}`)
    .join(", ");
  const lines = [
    `Bake-off of ${report.filter} v${report.filter_version}: ${report.sample.selected} of ${report.sample.requested} requested articles sampled${strata ? ` (${strata})` : ""}, ${report.sample.labelled_by_all} labelled by every oracle; spent ${dollars(report.spent_usd)} of ${dollars(report.budget_usd)}`,
  ];
  if (report.stopped_reason) lines.push(`Stopped early: ${report.stopped_reason}`);
  if (report.banner) lines.push(`Note: ${report.banner}`);
  lines.push("", ...oracleTable(report));
  for (const pair of report.pairs) lines.push("", ...pairLines(report, pair));
  lines.push("", ...disagreementLines(report));
  const missing = Object.entries(report.missing);
  if (missing.length) {
    lines.push("", "Not computed");
    lines.push(
      ...table(
        missing.map(([path, reason]) => [missingLabel(report, path), `${NONE}: ${reason}`]),
        ["left", "left"],
      ),
    );
  }
  if (report.pairs.length) lines.push("", ...report.pairs.map((pair) => verdictLine(report, pair)));
  return `${lines.join("\n")}\n`;
}
