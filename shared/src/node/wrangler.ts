/**
 * @module
 * `startWranglerDev`: the one way the CLI, the integration tests and the benchmarks bring up a local
 * edge. It refuses a port that already answers (a stale `wrangler dev` would serve another database),
 * spawns the command in its own process group (so stopping it also ends workerd), and waits for
 * `GET /v1/health` until a deadline, failing early when the process exits.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { DistilleryError } from "../errors";

/** What to run and where it answers. */
export type StartWranglerDevOptions = {
  /** The command that ends in `wrangler dev`: `npx` with wrangler's arguments, or `bash edge/scripts/dev.sh`. */
  command: string;
  args: string[];
  /** The port it listens on, on 127.0.0.1. */
  port: number;
  cwd?: string;
  /** Added to `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** How the process is named in errors (default `wrangler dev`). */
  name?: string;
  /** How long to wait for `/v1/health` (default 60 s). */
  timeoutMs?: number;
  /** Each output line, as it comes (a caller that shows them live). */
  onLine?: (line: string) => void;
};

/** A running `wrangler dev`. */
export type WranglerDev = {
  url: string;
  child: ChildProcess;
  /** Everything it printed so far. */
  output: () => string;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  /** Signals the whole process group and resolves once the process has exited. */
  stop: (signal?: NodeJS.Signals) => Promise<void>;
};

async function answersHealth(url: string): Promise<boolean> {
  return fetch(`${url}/v1/health`).then(
    (response) => response.ok,
    () => false,
  );
}

/**
 * Starts `wrangler dev` and resolves once `/v1/health` answers; throws `start.port_in_use`,
 * `start.service_exited` or `start.timeout` (after stopping what it started).
 * @example
 * const edge = await startWranglerDev({ command: "bash", args: ["edge/scripts/dev.sh", "--port=8799"], port: 8799 });
 * await edge.stop();
 */
export async function startWranglerDev(options: StartWranglerDevOptions): Promise<WranglerDev> {
  const name = options.name ?? "wrangler dev";
  const url = `http://127.0.0.1:${options.port}`;
  if (await answersHealth(url)) {
    throw new DistilleryError(
      "start.port_in_use",
      `port ${options.port} already answers HTTP: stop the process holding it`,
    );
  }
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on("line", (line) => {
      output += `${line}\n`;
      options.onLine?.(line);
    });
  }
  let hasExited = false;
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => resolve(code));
    child.once("error", () => resolve(null));
  }).finally(() => {
    hasExited = true;
  });
  const stop = async (signal: NodeJS.Signals = "SIGTERM") => {
    if (hasExited || child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
      return;
    }
    await exited;
  };
  const shown = () => (options.onLine ? " (see its output above)" : `:\n${output.slice(-4000)}`);
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    if (hasExited)
      throw new DistilleryError("start.service_exited", `${name} exited before it was ready${shown()}`);
    if (await answersHealth(url)) break;
    if (Date.now() > deadline) {
      await stop("SIGKILL");
      const seconds = Math.round((options.timeoutMs ?? 60_000) / 1000);
      throw new DistilleryError("start.timeout", `${name} was not ready after ${seconds} s${shown()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { url, child, output: () => output, exited, stop };
}
