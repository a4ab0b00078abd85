/**
 * @module
 * `npm run bench -- active [--data DIR] [--work DIR] [--seed 42] [--start 200] [--step 200] [--until 1800] [--repeats 1]
 * [--replot FILE]`:
 * active vs random labelling, simulated on the real Gemini-labelled sustainability dev set (2,727 articles,
 * en + nl, read at run time from `../shared/data`, never copied into the project): the held labels play the
 * oracle.
 *
 * 1. Imports the legacy filter and labels with the project's own importer (`bench/lib/devset.ts`, shared with
 *    `bench quality`) and groups near-duplicate texts with the shared MinHash code (`nearDuplicateGroups`),
 *    the grouping an `uncertain` oracle selection spreads over.
 * 2. Runs `active_bench.py` (the project's Python environment): a fixed random test set, the same random
 *    start labels for both strategies, then rounds of labels chosen at random or as an `uncertain` selection
 *    chooses them (80% most doubtful by the `lexical` student's intervals, 20% random), the student retrained
 *    and scored on the test set after each round.
 * 3. Prints the table (labels spent -> tier agreement, dimension MAE, top-tier recall, random vs active),
 *    writes the plot to `bench/quality/results/active-labelling.png` and ends with one JSON line.
 * `--replot FILE` redraws the table and plot from an earlier run's output (its last line) without training.
 * Skips with a message (and exit status 0) when the data folder is absent.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { CHART_COLORS, chartFrame, labelRecordSchema, nearDuplicateGroups } from "@distillery/shared";
import { repoRoot } from "@distillery/shared/node";
import { renderChartPng } from "@distillery/shared/node/charts";
import { prepareDevSet, runPythonBench } from "../lib/devset";

const { values } = parseArgs({
  options: {
    data: { type: "string" },
    work: { type: "string", default: join(tmpdir(), "distillery-bench-active") },
    seed: { type: "string", default: "42" },
    start: { type: "string", default: "200" },
    step: { type: "string", default: "200" },
    until: { type: "string", default: "1800" },
    repeats: { type: "string", default: "1" },
    replot: { type: "string" },
  },
});

const log = (message: string) => process.stderr.write(`bench active: ${message}\n`);
const { work, filterFile, labelsFile } = await prepareDevSet({ data: values.data, work: values.work, log });

const records = readFileSync(labelsFile, "utf8")
  .split("\n")
  .filter((line) => line.trim())
  .map((line) => labelRecordSchema.parse(JSON.parse(line)));
const groups: Record<string, string> = {};
const found = nearDuplicateGroups(records.map((r) => `${r.article.title}\n${r.article.body}`));
for (const [n, group] of found.entries()) for (const i of group) groups[records[i]!.article.id] = `g${n}`;
const groupsFile = join(work, "groups.json");
writeFileSync(groupsFile, JSON.stringify(groups));
log(`${found.length} near-duplicate groups (${Object.keys(groups).length} articles)`);

type Point = {
  repeat: number;
  labels: number;
  dimension_mae: number;
  overall_mae: number;
  tier_agreement: number;
  accuracy: number;
  top_tier_recall: number | null;
  labelled_top_tier: number;
};
type Figures = { curves: Record<"random" | "active", Point[]>; top_tiers: string[]; [key: string]: unknown };

/** Runs the simulation, or reads an earlier run's JSON line back (`--replot FILE`: redraws without retraining). */
async function simulate(): Promise<Figures> {
  if (values.replot) {
    const last = readFileSync(values.replot, "utf8").trim().split("\n").at(-1)!;
    return JSON.parse(last) as Figures;
  }
  return runPythonBench<Figures>(join(repoRoot, "bench", "active", "active_bench.py"), [
    ...["--filter", filterFile, "--labels", labelsFile, "--groups", groupsFile, "--work", work],
    ...["--seed", values.seed, "--start", values.start, "--step", values.step, "--until", values.until],
    ...["--repeats", values.repeats],
  ]);
}
const started = performance.now();
const figures = await simulate();
const seconds = (performance.now() - started) / 1000;

/** Mean of each figure over the repeats, per number of labels. */
function meanCurve(points: readonly Point[]) {
  const byLabels = new Map<number, Point[]>();
  for (const p of points) byLabels.set(p.labels, [...(byLabels.get(p.labels) ?? []), p]);
  const mean = (ps: Point[], key: keyof Point) => {
    const vs = ps.map((p) => p[key]).filter((v): v is number => typeof v === "number");
    return vs.length ? vs.reduce((a, b) => a + b, 0) / vs.length : null;
  };
  return [...byLabels].map(([labels, ps]) => ({
    labels,
    tier_agreement: mean(ps, "tier_agreement")!,
    dimension_mae: mean(ps, "dimension_mae")!,
    overall_mae: mean(ps, "overall_mae")!,
    top_tier_recall: mean(ps, "top_tier_recall"),
    labelled_top_tier: mean(ps, "labelled_top_tier")!,
  }));
}
const random = meanCurve(figures.curves.random);
const active = meanCurve(figures.curves.active);

const pct = (v: number | null) => (v === null ? "–" : `${(100 * v).toFixed(1)}%`);
const header =
  "| labels | tier agreement random / active | dim MAE random / active | overall MAE random / active | top-tier recall random / active | top-tier labels random / active |";
const lines = [header, `|${"---|".repeat(6)}`];
random.forEach((r, i) => {
  const a = active[i]!;
  lines.push(
    `| ${r.labels} | ${pct(r.tier_agreement)} / ${pct(a.tier_agreement)} | ${r.dimension_mae.toFixed(3)} / ${a.dimension_mae.toFixed(3)} | ${r.overall_mae.toFixed(3)} / ${a.overall_mae.toFixed(3)} | ${pct(r.top_tier_recall)} / ${pct(a.top_tier_recall)} | ${Math.round(r.labelled_top_tier)} / ${Math.round(a.labelled_top_tier)} |`,
  );
});
process.stderr.write(`\n${lines.join("\n")}\n\n`);

const values_ = [
  ...random.map((p) => ({ ...p, strategy: "random" })),
  ...active.map((p) => ({ ...p, strategy: "active: 80% most doubtful + 20% random" })),
];
const title = "Student quality by labels spent: random vs active (lexical student)";
const x = { field: "labels", type: "quantitative", title: "oracle labels spent" } as const;
const color = {
  field: "strategy",
  type: "nominal",
  title: null,
  scale: { range: [CHART_COLORS.secondary, CHART_COLORS.accent] },
  legend: { orient: "top", labelLimit: 400 },
} as const;
// Two stacked panels: `fit` sizing is for single views, so the concatenation pads instead.
const { width: _width, height: _height, ...frame } = chartFrame(title);
const spec = {
  ...frame,
  autosize: { type: "pad" },
  data: { values: values_ },
  vconcat: [
    {
      width: 560,
      height: 150,
      mark: { type: "line", point: true },
      encoding: {
        x,
        y: {
          field: "tier_agreement",
          type: "quantitative",
          title: "tier agreement",
          axis: { format: "%" },
          scale: { zero: false },
        },
        color,
      },
    },
    {
      width: 560,
      height: 150,
      mark: { type: "line", point: true },
      encoding: {
        x,
        y: { field: "dimension_mae", type: "quantitative", title: "dimension MAE", scale: { zero: false } },
        color,
      },
    },
  ],
};
const results = join(repoRoot, "bench", "quality", "results");
mkdirSync(results, { recursive: true });
const { png } = await renderChartPng(spec as Parameters<typeof renderChartPng>[0]);
const plot = join(results, "active-labelling.png");
writeFileSync(plot, png);
log(`plot written to ${plot}; simulation took ${seconds.toFixed(0)} s`);
console.log(
  JSON.stringify({
    ...figures,
    random,
    active,
    seconds: Math.round(seconds),
    plot: "bench/quality/results/active-labelling.png",
  }),
);
