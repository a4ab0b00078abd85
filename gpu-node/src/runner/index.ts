/**
 * @module
 * The job runner: runs one command of the Python package (`python -m distillery_gpu <command> --job
 * JOB.json --out DIR`) as a subprocess in its own process group, reads its JSON lines (validated with
 * `pythonEventSchema`) as they come, and returns its exit status and `result.json`. Cancelling
 * terminates the whole process group (data loader workers included). Shared by the node agent and the
 * CLI's file-based `distill`; it knows nothing about the edge.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  DistilleryError,
  type PythonEvent,
  type PythonJobFile,
  pythonEventSchema,
  pythonJobFileSchema,
} from "@distillery/shared";
import type { z } from "zod";

/** The repository root (gpu-node/src/runner → ../../..): where python/src and scripts/ live. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

export type PythonCommand = "train" | "eval" | "infer" | "bench" | "doctor";

export type RunPythonOptions = {
  command: PythonCommand;
  /** The job file (validated and written as `<dir>/job.json`); `doctor` takes none. */
  job?: z.input<typeof pythonJobFileSchema>;
  /** Working folder of this run: `job.json` and the `out/` folder Python writes into. */
  dir: string;
  /** Interpreter; defaults to `resolvePython()`. */
  python?: string;
  /** Python module to run; tests and benchmarks point it at a stub. Default `distillery_gpu`. */
  module?: string;
  /** Prepended to PYTHONPATH; default `<repo>/python/src`. */
  pythonPath?: string[];
  env?: Record<string, string>;
  /** Aborting terminates the process group (SIGTERM, then SIGKILL after `killGraceMs`). */
  signal?: AbortSignal;
  killGraceMs?: number;
  onEvent?: (event: PythonEvent) => void;
  /** Lines of stderr and stdout lines that are not events. */
  onLog?: (line: string) => void;
};

export type PythonRunOutcome = {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  cancelled: boolean;
  /** `out/result.json`, when Python wrote one. */
  result: Record<string, unknown> | null;
  /** The last `error` event, if any. */
  error: { code: string; message: string } | null;
  outDir: string;
  /** The last lines of stderr, for failure messages. */
  stderrTail: string[];
};

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kills every process group still running when this process exits, so no Python outlives its agent. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of running) killGroup(child, "SIGKILL");
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch (error) {
    // ESRCH: the group is already gone, which is what we wanted.
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

const execFileAsync = promisify(execFile);
let cachedPython: Promise<string> | null = null;

/** The project's Python: `bash scripts/py-env.sh path` (creates the venv on first use). */
export function resolvePython(): Promise<string> {
  cachedPython ??= execFileAsync("bash", [join(repoRoot, "scripts", "py-env.sh"), "path"], {
    maxBuffer: 1 << 20,
  }).then(
    ({ stdout }) => stdout.trim(),
    (error: Error) => {
      cachedPython = null;
      throw new DistilleryError(
        "python.unavailable",
        `could not prepare the Python environment: ${error.message}`,
      );
    },
  );
  return cachedPython;
}

/**
 * Runs one Python command to completion.
 * @example
 * const outcome = await runPython({ command: "infer", job, dir: "work/jobs/j1", onEvent: (e) => console.log(e) });
 * if (outcome.exitCode !== 0) throw new Error(outcome.error?.message);
 */
export async function runPython(options: RunPythonOptions): Promise<PythonRunOutcome> {
  const outDir = join(options.dir, "out");
  await mkdir(outDir, { recursive: true });
  const args = ["-m", options.module ?? "distillery_gpu", options.command];
  if (options.job) {
    const job = pythonJobFileSchema.parse(options.job);
    const jobFile = join(options.dir, "job.json");
    await writeFile(jobFile, `${JSON.stringify(job, null, 2)}\n`);
    args.push("--job", jobFile);
  }
  args.push("--out", outDir);
  const python = options.python ?? (await resolvePython());
  const pythonPath = [...(options.pythonPath ?? [join(repoRoot, "python", "src")])];
  if (process.env.PYTHONPATH) pythonPath.push(process.env.PYTHONPATH);

  if (options.signal?.aborted) return emptyOutcome(outDir, true);
  installExitHook();
  const child = spawn(python, args, {
    cwd: options.dir,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      PYTHONPATH: pythonPath.join(":"),
      PYTHONUNBUFFERED: "1",
      DISTILLERY_SCHEMAS_DIR: process.env.DISTILLERY_SCHEMAS_DIR ?? join(repoRoot, "shared", "schemas"),
      ...options.env,
    },
  });
  running.add(child);

  let cancelled = false;
  let killTimer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    cancelled = true;
    killGroup(child, "SIGTERM");
    killTimer = setTimeout(() => killGroup(child, "SIGKILL"), options.killGraceMs ?? 5_000);
    killTimer.unref();
  };
  options.signal?.addEventListener("abort", onAbort, { once: true });

  let lastError: PythonRunOutcome["error"] = null;
  const stderrTail: string[] = [];
  const stdoutDone = readLines(child.stdout!, (line) => {
    const event = parseEvent(line);
    if (!event) {
      if (line.trim()) options.onLog?.(line);
      return;
    }
    if (event.event === "error") lastError = { code: event.code, message: event.message };
    options.onEvent?.(event);
  });
  const stderrDone = readLines(child.stderr!, (line) => {
    stderrTail.push(line);
    if (stderrTail.length > 20) stderrTail.shift();
    options.onLog?.(line);
  });

  const status = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done, fail) => {
    child.once("error", fail);
    child.once("close", (code, signal) => done({ code, signal }));
  }).finally(() => {
    running.delete(child);
    clearTimeout(killTimer);
    options.signal?.removeEventListener("abort", onAbort);
  });
  await Promise.all([stdoutDone, stderrDone]);
  // The main process may be gone while its own children (workers) still run: end the group too.
  killGroup(child, "SIGKILL");

  return {
    exitCode: status.code,
    signal: status.signal,
    cancelled,
    result: await readResult(outDir),
    error: lastError,
    outDir,
    stderrTail,
  };
}

function emptyOutcome(outDir: string, cancelled: boolean): PythonRunOutcome {
  return { exitCode: null, signal: null, cancelled, result: null, error: null, outDir, stderrTail: [] };
}

function readLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): Promise<void> {
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  lines.on("line", onLine);
  return new Promise((done) => lines.once("close", done));
}

/** A stdout line that is a valid event, or null (Python libraries print other things too). */
export function parseEvent(line: string): PythonEvent | null {
  if (!line.startsWith("{")) return null;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  const parsed = pythonEventSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

async function readResult(outDir: string): Promise<Record<string, unknown> | null> {
  let text: string;
  try {
    text = await readFile(join(outDir, "result.json"), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  const value: unknown = JSON.parse(text);
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new DistilleryError("python.result_invalid", `${join(outDir, "result.json")} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

export type { PythonEvent, PythonJobFile };
