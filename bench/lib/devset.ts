/**
 * @module
 * The Gemini-labelled sustainability dev set (2,727 articles, en + nl) as the student benches use it: read at
 * run time from `../shared/data` (`--data DIR`, or `DISTILLERY_SHARED_DATA`), never copied into the project,
 * converted with the project's own importer (`distillery import filter` / `import labels --rename
 * climate_impact_potential=climate_impact`) into a work folder, and handed to a Python bench script that
 * ends its output with one JSON line. `bench quality` and `bench active` share it, so both train and score
 * on exactly the same import.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import type { FilterPackage } from "@distillery/shared";
import { loadFilterDir, repoRoot, resolvePython } from "@distillery/shared/node";

/** Options of {@link prepareDevSet}: the bench's `--data` and `--work` flags and its stderr logger. */
export type DevSetOptions = {
  /** `--data DIR`: the `shared/data` folder; falls back to `DISTILLERY_SHARED_DATA`, then `../shared/data`. */
  data: string | undefined;
  /** `--work DIR`: where the imported filter and labels are written. */
  work: string;
  log: (message: string) => void;
};

/** The imported dev set: the filter package and the files a Python bench script reads. */
export type DevSet = {
  work: string;
  filter: FilterPackage;
  /** The imported filter package as one JSON file. */
  filterFile: string;
  /** The imported labels, one label record per line. */
  labelsFile: string;
};

/**
 * Imports the legacy `sustainability` v1 filter and its 2,727 labels into `work`. When the dev set is absent
 * it skips the bench as every bench skips: a message, a `{"skipped": ...}` JSON line and exit status 0. A
 * failed import ends the process with status 1 after logging the importer's stderr.
 *
 * @example
 * const { filter, filterFile, labelsFile, work } = await prepareDevSet({ data: values.data, work: values.work, log });
 */
export async function prepareDevSet({ data, work: workFlag, log }: DevSetOptions): Promise<DevSet> {
  const dataRoot = resolve(
    data ?? process.env.DISTILLERY_SHARED_DATA ?? join(repoRoot, "..", "shared", "data"),
  );
  const legacy = join(dataRoot, "llm-distillery", "filters", "todo", "v1");
  const labelsDir = join(legacy, "calibrations", "sustainability");
  if (!existsSync(join(legacy, "config.yaml")) || !existsSync(labelsDir)) {
    const reason = `no dev set at ${labelsDir} (pass --data DIR or set DISTILLERY_SHARED_DATA): skipped`;
    log(reason);
    console.log(JSON.stringify({ skipped: reason }));
    process.exit(0);
  }

  const work = resolve(workFlag);
  mkdirSync(work, { recursive: true });
  const cli = join(repoRoot, "cli", "bin", "distillery.mjs");
  const distillery = (args: string[]) => {
    const done = spawnSync(process.execPath, [cli, ...args], { cwd: repoRoot, encoding: "utf8" });
    if (done.status !== 0) {
      log(`distillery ${args.join(" ")} failed:\n${done.stderr}`);
      process.exit(1);
    }
  };
  log(`importing the legacy filter and labels from ${legacy}`);
  const filterDir = join(work, "filter");
  distillery(["import", "filter", legacy, "--out", filterDir, "--languages", "en,nl", "--force"]);
  const labelsFile = join(work, "labels.ndjson");
  distillery([
    "import",
    "labels",
    labelsDir,
    "--filter",
    legacy,
    "--rename",
    "climate_impact_potential=climate_impact",
    "--out",
    labelsFile,
  ]);
  const filter = await loadFilterDir(filterDir);
  const filterFile = join(work, "filter.json");
  writeFileSync(filterFile, JSON.stringify(filter));
  return { work, filter, filterFile, labelsFile };
}

/**
 * Runs a bench's Python script (under `bench/`) with the project's interpreter (offline Hugging Face hub unless
 * `HF_HUB_OFFLINE` says otherwise), its stderr passed through as progress, and parses the last line of its
 * stdout: the figures. Rejects when the script fails or prints nothing.
 *
 * @example
 * const figures = await runPythonBench<Figures>(join(repoRoot, "bench", "quality", "quality_bench.py"), flags);
 */
export async function runPythonBench<Figures>(script: string, args: readonly string[]): Promise<Figures> {
  const python = await resolvePython();
  return new Promise<Figures>((done, fail) => {
    const child = spawn(python, [script, ...args], {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, HF_HUB_OFFLINE: process.env.HF_HUB_OFFLINE ?? "1" },
    });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    child.on("exit", (code) => {
      const last = stdout.trim().split("\n").at(-1);
      if (code !== 0 || !last) fail(new Error(`${basename(script)} exited with ${code}`));
      else done(JSON.parse(last) as Figures);
    });
  });
}
