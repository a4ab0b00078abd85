/**
 * @module
 * The child processes `distillery start` runs (edge, Gemini stand-in, node agent, bot): each in its
 * own process group so Ctrl-C stops it with everything it spawned (wrangler's workerd, Python jobs),
 * its output prefixed with its name, and a readiness check before the next one starts.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { DistilleryError } from "@distillery/shared";

export type ServiceSpec = {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
};

export type RunningService = { spec: ServiceSpec; child: ChildProcess; exited: Promise<number | null> };

const STOP_GRACE_MS = 5_000;

/** Starts and stops a set of services; `stopAll` ends every process group it started. */
export class ServiceGroup {
  private readonly services: RunningService[] = [];
  private stopping = false;

  constructor(private readonly log: (line: string) => void) {}

  start(spec: ServiceSpec, onLine?: (line: string) => void): RunningService {
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on("line", (line) => {
        onLine?.(line);
        this.log(`[${spec.name}] ${line}`);
      });
    }
    return this.adopt(spec, child);
  }

  /** Takes a process started elsewhere (the edge, from `startWranglerDev`) into the group. */
  adopt(spec: ServiceSpec, child: ChildProcess): RunningService {
    const exited = new Promise<number | null>((resolve) => {
      child.on("exit", (code) => {
        if (!this.stopping) this.log(`[${spec.name}] exited with code ${code}`);
        resolve(code);
      });
      child.on("error", (error) => {
        this.log(`[${spec.name}] could not start: ${error.message}`);
        resolve(null);
      });
    });
    const service = { spec, child, exited };
    this.services.push(service);
    return service;
  }

  /** Sends SIGTERM to every process group, then SIGKILL to what is left after a grace period. */
  async stopAll(): Promise<void> {
    this.stopping = true;
    const signal = (service: RunningService, name: NodeJS.Signals) => {
      if (service.child.pid === undefined || service.child.exitCode !== null) return;
      try {
        process.kill(-service.child.pid, name);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
      }
    };
    for (const service of [...this.services].reverse()) signal(service, "SIGTERM");
    const timeout = new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MS).unref());
    await Promise.race([Promise.all(this.services.map((s) => s.exited)), timeout]);
    for (const service of this.services) signal(service, "SIGKILL");
  }
}

/**
 * Polls `check` until it returns a value, the service exits, or `timeoutMs` passes.
 * @example
 * await waitFor("edge", edge, () => fetch(url).then((r) => r.ok || undefined).catch(() => undefined), 120_000);
 */
export async function waitFor<T>(
  name: string,
  service: RunningService | null,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
): Promise<T> {
  let exited = false;
  service?.exited.then(() => {
    exited = true;
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited)
      throw new DistilleryError(
        "start.service_exited",
        `${name} exited before it was ready (see its output above)`,
      );
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new DistilleryError("start.timeout", `${name} was not ready after ${Math.round(timeoutMs / 1000)} s`);
}
