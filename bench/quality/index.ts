/**
 * @module
 * `npm run bench -- quality [--data DIR] [--work DIR] [--seed N] [--students LIST] [--speed-articles N] [--fp32 TRAIN,TEST|0]`:
 * student quality on the real Gemini-labelled sustainability dev set (2,727 articles, en + nl), read at
 * run time from `../shared/data` (`--data`, or `DISTILLERY_SHARED_DATA`), never copied into the project.
 *
 * 1. Imports the legacy filter (`filters/todo/v1/config.yaml`) and its labels with the project's own
 *    importer (`distillery import filter` / `import labels --rename climate_impact_potential=climate_impact`;
 *    `bench/lib/devset.ts`, shared with `bench active`).
 * 2. Runs `quality_bench.py` (the project's Python environment): one random 80/20 split (seed fixed);
 *    constant baseline, lexical baseline, lexical student and probe student trained on the 80% and scored
 *    on the 20%, with training times, scoring throughput and interval coverage.
 * 3. Recomputes every student's metrics with `computeMetrics` (the one TypeScript implementation; each side
 *    of a pair with its own categories) from the prediction files, checks they equal Python's, prints the
 *    table and ends with one JSON line.
 * Skips with a message (and exit status 0) when the data folder is absent.
 */
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { computeMetrics, type Metrics, metricsByLanguage, type ScoredPair } from "@distillery/shared";
import { repoRoot } from "@distillery/shared/node";
import { prepareDevSet, runPythonBench } from "../lib/devset";

const { values } = parseArgs({
  options: {
    data: { type: "string" },
    work: { type: "string", default: join(tmpdir(), "distillery-bench-quality") },
    seed: { type: "string", default: "42" },
    students: { type: "string", default: "constant,lexical-baseline,lexical,probe" },
    "speed-articles": { type: "string", default: "100" },
    fp32: { type: "string", default: "600,200" },
  },
});

const log = (message: string) => process.stderr.write(`bench quality: ${message}\n`);
const { work, filter, filterFile, labelsFile } = await prepareDevSet({
  data: values.data,
  work: values.work,
  log,
});

type StudentFigures = Metrics & {
  predictions: string;
  by_language: Record<string, Metrics>;
  coverage_at_0_9: number | null;
  train_seconds?: number;
  articles_per_s?: number;
  [key: string]: unknown;
};
type PythonFigures = { students: Record<string, StudentFigures>; [key: string]: unknown };

const figures = await runPythonBench<PythonFigures>(join(repoRoot, "bench", "quality", "quality_bench.py"), [
  ...["--filter", filterFile, "--labels", labelsFile, "--work", work, "--seed", values.seed],
  ...["--students", values.students, "--speed-articles", values["speed-articles"]],
  ...["--fp32", values.fp32],
]);

// The same figures from the one TypeScript implementation of the metrics.
const readJsonl = (path: string) =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line));
type Row = {
  article_id: string;
  scores: Record<string, number>;
  categories?: Record<string, string>;
  language: string;
};
type Prediction = { article_id: string; scores: Record<string, number>; categories?: Record<string, string> };
const test: Row[] = readJsonl(join(work, "test.jsonl"));
const mismatches: string[] = [];
const compare = (name: string, ts: Metrics, py: Metrics) => {
  for (const key of ["dimension_mae", "overall_mae", "tier_agreement", "accuracy"] as const)
    if (Math.abs(ts[key] - py[key]) > 1e-9)
      mismatches.push(`${name} ${key}: TypeScript ${ts[key]}, Python ${py[key]}`);
};
for (const [name, student] of Object.entries(figures.students)) {
  const byId = new Map((readJsonl(student.predictions) as Prediction[]).map((p) => [p.article_id, p]));
  const pairs: ScoredPair[] = test.map((row) => {
    const prediction = byId.get(row.article_id);
    if (!prediction) throw new Error(`${name}: no prediction for ${row.article_id}`);
    return {
      oracle: row.scores,
      oracleCategories: row.categories ?? {},
      student: prediction.scores,
      studentCategories: prediction.categories ?? {},
      language: row.language,
    };
  });
  const ts = computeMetrics(filter, pairs);
  compare(name, ts, student);
  const languages = metricsByLanguage(filter, pairs);
  for (const [language, py] of Object.entries(student.by_language))
    if (languages[language]) compare(`${name} ${language}`, languages[language], py);
  Object.assign(student, { spearman_overall: ts.overall_spearman });
}
if (mismatches.length > 0) {
  log(`metrics cross-check FAILED:\n  ${mismatches.join("\n  ")}`);
  process.exit(1);
}
log("metrics cross-check: TypeScript computeMetrics gives the same figures as the bench");

const pct = (v: number | null | undefined) => (v == null ? "–" : `${(100 * v).toFixed(1)}%`);
const num = (v: number | null | undefined, digits = 3) => (v == null ? "–" : v.toFixed(digits));
const header = [
  "student",
  "dim MAE",
  "overall MAE",
  "tier agr.",
  "accuracy",
  "en dim/ovr",
  "nl dim/ovr",
  "cov@0.9",
  "train s",
  "articles/s",
];
const lines = [header.join(" | ")];
for (const [name, s] of Object.entries(figures.students)) {
  const lang = (l: string) =>
    s.by_language[l] ? `${num(s.by_language[l].dimension_mae)}/${num(s.by_language[l].overall_mae)}` : "–";
  lines.push(
    [
      name,
      num(s.dimension_mae),
      num(s.overall_mae),
      pct(s.tier_agreement),
      pct(s.accuracy),
      lang("en"),
      lang("nl"),
      pct(s.coverage_at_0_9),
      num(s.train_seconds, 1),
      num(s.articles_per_s, 1),
    ].join(" | "),
  );
}
process.stderr.write(`\n${lines.join("\n")}\n\n`);
const summary = {
  ...figures,
  students: Object.fromEntries(
    Object.entries(figures.students).map(([name, s]) => {
      const { predictions: _file, ...rest } = s;
      return [name, rest];
    }),
  ),
  metrics_cross_check: "ok",
};
console.log(JSON.stringify(summary));
