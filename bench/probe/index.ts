/**
 * @module
 * `npm run bench -- probe [quality flags]`: the CPU probe student's speed, on the real dev set. It runs
 * the quality benchmark for the probe alone (`bench/quality`: whole-article windows of the packaged
 * multilingual e5 under ONNX Runtime, int8 by default) and prints what a team sizing a CPU node needs:
 * cold scoring articles/s (no embedding cache), training time (fit on cached vectors, and the encoding
 * a cold start adds), and the MAE cost of int8 against float32 vectors. Ends with one line of JSON.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const flags = process.argv.slice(2);
const students = flags.includes("--students") ? [] : ["--students", "probe"];
const child = spawn(
  process.execPath,
  ["--import", "tsx", join(repoRoot, "bench", "quality", "index.ts"), ...students, ...flags],
  { cwd: repoRoot, stdio: ["ignore", "pipe", "inherit"] },
);
let stdout = "";
child.stdout.on("data", (chunk: Buffer) => {
  stdout += chunk.toString("utf8");
});
child.on("exit", (code) => {
  const last = stdout.trim().split("\n").at(-1);
  if (code !== 0 || !last) process.exit(code ?? 1);
  const figures = JSON.parse(last) as {
    skipped?: string;
    students?: Record<string, Record<string, unknown>>;
    int8_cost?: Record<string, unknown>;
  };
  if (figures.skipped) {
    console.log(last);
    return;
  }
  const probe = figures.students?.probe ?? {};
  const summary = {
    articles_per_s: probe.articles_per_s ?? null,
    train_seconds: probe.train_seconds ?? null,
    dimension_mae: probe.dimension_mae ?? null,
    int8_cost: figures.int8_cost ?? null,
    details: probe,
  };
  process.stderr.write(
    `probe: ${summary.articles_per_s} articles/s cold scoring, ${summary.train_seconds} s training fit, int8 cost ${JSON.stringify(summary.int8_cost)}\n`,
  );
  console.log(JSON.stringify(summary));
});
