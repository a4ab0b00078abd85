/**
 * @module
 * `distillery distill`: distillation from files, no server. Imports the labels (our NDJSON or the
 * Python LLM Distillery's scored JSONL), builds the stratified split with the edge's dataset builder,
 * trains the student through the same Python entry point the GPU node uses (the job runner of
 * `@distillery/shared/node`), predicts the test split (and fits the lexical baseline on train), reads
 * both results through the shared result schemas, and writes `report.json` (`distillReportSchema`) and
 * `report.html` into `--out`, with the splits in `--out/data` and the model in `--out/jobs/train/out`.
 * See docs/distill.md.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import {
  buildDataset,
  type DatasetRow,
  DistilleryError,
  type FilterPackage,
  labelRecordSchema,
  rowsToJsonl,
  type StudentKind,
  studentKindSchema,
} from "@distillery/shared";
import {
  type PythonCommand,
  type PythonResultOf,
  type RunPythonOptions,
  runPython,
} from "@distillery/shared/node";
import type { Command } from "commander";
import { usageError } from "../errors";
import { importLabels } from "../import/labels";
import { resolveFilterOption } from "../import/resolve-filter";
import type { Io } from "../io";
import { buildDistillReport } from "../report/build";
import { renderReportHtml } from "../report/html";
import { startProgress } from "../report/progress";
import { readPythonOutputs, resultPath } from "../report/python-results";

/** Fewest articles per split that give metrics worth reading. */
export const MIN_SPLIT_ROWS = { train: 20, validation: 5, test: 5 } as const;

type DistillOptions = {
  labels: string;
  filter: string;
  rename: Record<string, string>;
  student: StudentKind;
  baseModel?: string;
  out: string;
  seed: number;
  device: "auto" | "cpu" | "cuda";
};

export function registerDistillCommand(program: Command, io: Io): void {
  program
    .command("distill")
    .description("Distill a student from labelled files and evaluate it (no server; see docs/distill.md)")
    .requiredOption(
      "--labels <path>",
      "labels: our NDJSON or LLM Distillery scored JSONL (a file or a folder)",
    )
    .requiredOption(
      "--filter <filter>",
      "a filter package folder, an LLM Distillery filter folder, or a built-in name",
    )
    .option(
      "--rename <old=new>",
      "map a record's dimension name to the filter's (repeatable)",
      collectRename,
      {},
    )
    .option("--student <kind>", "lexical | probe | encoder | regression | generative", parseStudent, "probe")
    .option(
      "--base-model <name>",
      "base model (regression, generative, encoder) or sentence encoder (probe); the lexical student has none",
    )
    .option("--out <dir>", "where the report, the splits and the model go", "distill-out")
    .option("--seed <n>", "seed of the split", (v) => Number.parseInt(v, 10), 42)
    .option("--device <device>", "auto | cpu | cuda", "auto")
    .action(async (options: DistillOptions) => {
      const report = await distill(options, io);
      io.out(
        `${report.verdict.join("\n")}\nwrote ${join(options.out, "report.json")} and ${join(options.out, "report.html")}\n`,
      );
    });
}

function collectRename(value: string, previous: Record<string, string>): Record<string, string> {
  const match = /^([^=\s]+)=([^=\s]+)$/.exec(value);
  if (!match) throw usageError(`--rename ${value}: expected <record-name>=<filter-dimension>`);
  return { ...previous, [match[1]!]: match[2]! };
}

function parseStudent(value: string): StudentKind {
  const parsed = studentKindSchema.safeParse(value);
  if (!parsed.success)
    throw usageError(`--student ${value}: expected one of ${studentKindSchema.options.join(", ")}`);
  return parsed.data;
}

async function readJsonl(path: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(path, "utf8");
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function checkSplits(
  filter: FilterPackage,
  rows: readonly DatasetRow[],
  tiers: Record<string, number>,
): void {
  for (const [split, min] of Object.entries(MIN_SPLIT_ROWS)) {
    const n = rows.filter((r) => r.split === split).length;
    if (n < min)
      throw new DistilleryError(
        "dataset.too_small",
        `too few records: the ${split} split has ${n} articles (at least ${min} needed); records per tier: ${filter.tiers.map((t) => `${t.key} ${tiers[t.key] ?? 0}`).join(", ")}`,
      );
  }
}

/** Runs one Python command with a progress bar; its `result.json`, already checked against the command's schema by the runner. */
async function runStep<C extends PythonCommand>(
  io: Io,
  step: string,
  options: RunPythonOptions<C>,
): Promise<PythonResultOf<C>> {
  const progress = startProgress(step, io);
  const outcome = await runPython({
    ...options,
    onEvent: (event) => {
      if (event.event === "progress")
        progress.update(
          event.step,
          event.total,
          event.examples_per_s ? `${event.examples_per_s.toFixed(1)}/s` : "",
        );
      else if (event.event === "log") io.err(`distillery: ${event.message}\n`);
    },
  });
  progress.stop();
  if (outcome.exitCode !== 0 || !outcome.result) {
    const why = outcome.error
      ? `${outcome.error.code}: ${outcome.error.message}`
      : outcome.stderrTail.slice(-5).join("\n");
    throw new DistilleryError("distill.python_failed", `${step} failed (exit ${outcome.exitCode}): ${why}`);
  }
  return outcome.result;
}

/** Runs the whole distillation; returns the report it wrote. */
export async function distill(options: DistillOptions, io: Io) {
  const out = resolve(options.out);
  const { filter, notes } = await resolveFilterOption(options.filter);
  for (const note of notes) io.err(`distillery: note: ${note}\n`);
  const unknown = Object.values(options.rename).filter(
    (key) => !filter.dimensions.some((d) => d.key === key),
  );
  if (unknown.length > 0)
    throw usageError(
      `--rename to ${unknown.join(", ")}: not a dimension of '${filter.name}' (${filter.dimensions.map((d) => d.key).join(", ")})`,
    );

  await mkdir(join(out, "data"), { recursive: true });
  let skipped = 0;
  const labelsFile = join(out, "labels.ndjson");
  const summary = await importLabels({
    paths: [options.labels],
    filter,
    rename: options.rename,
    out: labelsFile,
    onSkip: (location, _code, message) => {
      skipped++;
      if (skipped <= 20) io.err(`distillery: skipped ${location}: ${message}\n`);
    },
  });
  if (summary.imported === 0)
    throw new DistilleryError("import.nothing", `no labels imported from ${options.labels}`);
  io.err(`distillery: imported ${summary.imported} labels (${skipped} skipped)\n`);

  const records = (await readJsonl(labelsFile)).map((r) => labelRecordSchema.parse(r));
  const dataset = await buildDataset(
    filter,
    records.map((r) => ({
      article: r.article,
      scores: r.label.scores,
      categories: r.label.categories,
      selection: r.label.selection,
    })),
    { seed: options.seed },
  );
  for (const warning of dataset.report.warnings) io.err(`distillery: dataset: ${warning}\n`);
  checkSplits(filter, dataset.rows, dataset.report.tiers);
  const data = Object.fromEntries(
    (["train", "validation", "test"] as const).map((split) => [split, join(out, "data", `${split}.jsonl`)]),
  ) as Record<"train" | "validation" | "test", string>;
  for (const split of ["train", "validation", "test"] as const)
    await writeFile(data[split], rowsToJsonl(dataset.rows, split));
  io.err(
    `distillery: dataset: ${dataset.report.splits.train} train / ${dataset.report.splits.validation} validation / ${dataset.report.splits.test} test (stratified by ${dataset.report.stratified_by})\n`,
  );

  const student = {
    ...filter.student,
    kind: options.student,
    ...(options.baseModel
      ? options.student === "probe"
        ? { encoder: options.baseModel }
        : { base_model: options.baseModel }
      : {}),
  };
  const trainDir = join(out, "jobs", "train");
  const train = await runStep(io, "train", {
    command: "train",
    dir: trainDir,
    job: {
      command: "train",
      job_id: "distill-train",
      filter,
      student,
      data: { train: data.train, validation: data.validation },
      device: options.device,
    },
  });
  const trainedDir = resultPath(join(trainDir, "out"), train.model_dir);
  const evalDir = join(out, "jobs", "eval");
  const evaluation = await runStep(io, "predict", {
    command: "eval",
    dir: evalDir,
    job: {
      command: "eval",
      job_id: "distill-eval",
      model_dir: trainedDir,
      // With the train split, eval also fits the lexical baseline on it and predicts the test split.
      data: { test: data.test, train: data.train },
      device: options.device,
    },
  });
  const rows = (split: string) => dataset.rows.filter((r) => r.split === split);
  const report = buildDistillReport({
    filter,
    train: rows("train"),
    test: rows("test"),
    ...(await readPythonOutputs({ train, evaluation, evalOut: join(evalDir, "out"), modelId: trainedDir })),
    dataset: dataset.report,
    labels: { file: options.labels, imported: summary.imported, skipped },
  });
  await writeFile(join(out, "report.json"), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(out, "report.html"), await renderReportHtml(report));
  return report;
}
