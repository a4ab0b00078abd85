/**
 * @module
 * The Python job runner, part of `@distillery/shared/node`: runs one command of the Python package
 * (`python -m distillery_gpu <command> --job JOB.json --out DIR`) as a subprocess in its own process
 * group, reads its JSON lines (validated with `pythonEventSchema`) as they come, and returns its exit
 * status and `result.json`, validated with the command's result schema (`pythonTrainResultSchema`, …,
 * `pythonDoctorResultSchema`): a result that does not match is refused with `result.invalid` naming the
 * field, so no caller ever guesses keys. Cancelling terminates the whole process group (data loader
 * workers included). Used by the GPU node agent and the CLI's file-based `distill`; it knows nothing
 * about the edge. */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { z } from "zod";
import { DistilleryError, parseOrThrow } from "../errors";
import { type PythonEvent, type PythonJobFile, pythonEventSchema, pythonJobFileSchema } from "../schemas/job";
import {
  pythonBenchResultSchema,
  pythonDoctorResultSchema,
  pythonEvalResultSchema,
  pythonInferResultSchema,
  pythonTrainResultSchema,
} from "../schemas/result";

/** The repository root (shared/src/node → ../../..): where python/src and scripts/ live. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** The schema each command's `result.json` must match (the contract in `shared/src/schemas/result.ts`). */
export const pythonResultSchemas = {
  train: pythonTrainResultSchema,
  eval: pythonEvalResultSchema,
  infer: pythonInferResultSchema,
  bench: pythonBenchResultSchema,
  doctor: pythonDoctorResultSchema,
} as const;

export type PythonCommand = keyof typeof pythonResultSchemas;
/** What `result.json` of `command` holds once validated. */
export type PythonResultOf<C extends PythonCommand> = z.output<(typeof pythonResultSchemas)[C]>;

export type RunPythonOptions<C extends PythonCommand = PythonCommand> = {
  command: C;
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

export type PythonRunOutcome<C extends PythonCommand = PythonCommand> = {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  cancelled: boolean;
  /** `out/result.json`, validated, when Python exited 0 and wrote one. */
  result: PythonResultOf<C> | null;
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
 * Runs one Python command to completion. Throws `result.invalid` (naming the field) when Python exits 0
 * with a `result.json` that does not match the command's schema.
 * @example
 * const outcome = await runPython({ command: "infer", job, dir: "work/jobs/j1", onEvent: (e) => console.log(e) });
 * if (outcome.exitCode !== 0) throw new Error(outcome.error?.message);
 * console.log(outcome.result?.predictions);
 */
export async function runPython<C extends PythonCommand>(
  options: RunPythonOptions<C>,
): Promise<PythonRunOutcome<C>> {
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

  // A failed or cancelled run's result (if any) is not read: its error event and exit status say why.
  const succeeded = status.code === 0 && !cancelled;
  return {
    exitCode: status.code,
    signal: status.signal,
    cancelled,
    result: succeeded ? await readResult(outDir, options.command) : null,
    error: lastError,
    outDir,
    stderrTail,
  };
}

function emptyOutcome<C extends PythonCommand>(outDir: string, cancelled: boolean): PythonRunOutcome<C> {
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

/**
 * Reads and validates `out/result.json` of `command`; null when Python wrote none. Anything else that is
 * wrong with it (not JSON, a field missing or of the wrong type) is `result.invalid` naming the field.
 */
export async function readResult<C extends PythonCommand>(
  outDir: string,
  command: C,
): Promise<PythonResultOf<C> | null> {
  const path = join(outDir, "result.json");
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DistilleryError(
      "result.invalid",
      `python ${command} wrote a result.json that is not JSON: ${(error as Error).message}`,
    );
  }
  const schema: z.ZodType = pythonResultSchemas[command];
  return parseOrThrow(
    schema,
    value,
    "result.invalid",
    `result.json of python ${command}`,
  ) as PythonResultOf<C>;
}

export type { PythonEvent, PythonJobFile };
