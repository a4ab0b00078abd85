/**
 * `npm start` under a process manager: a second start on the same data folder or ports says so and
 * exits non-zero, and SIGTERM (what `kill` and `docker stop` send) to the `npm start` process alone stops
 * every process the stack started (edge with wrangler's workerd, Gemini stand-in, node agent and its
 * Python) and frees the ports, as Ctrl-C does.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "./node-harness";

// wrangler dev alone needs 30-100 s on a busy two-core machine; the start creates its tokens first.
const STACK_READY_MS = 240_000;

/** A port nothing listens on now (the kernel's pick, released at once). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(true));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(false)));
  });
}

/** A process as the kernel knows it: its pid and start time, so a pid reused later is not mistaken for it. */
type ProcessId = { pid: number; startedAt: string };

function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // After the command name (which may hold spaces): field 3 (state), 4 (ppid) … 22 (start time).
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch (error) {
    if (
      (error as NodeJS.ErrnoException).code === "ENOENT" ||
      (error as NodeJS.ErrnoException).code === "ESRCH"
    )
      return undefined;
    throw error;
  }
}

/** Every live descendant of `pid`, from /proc (children reparented elsewhere are not found later). */
function descendants(pid: number): ProcessId[] {
  const children = new Map<number, ProcessId[]>();
  for (const entry of readdirSync("/proc")) {
    const fields = /^\d+$/.test(entry) ? statFields(Number(entry)) : undefined;
    if (!fields) continue;
    const parent = Number(fields[1]);
    children.set(parent, [
      ...(children.get(parent) ?? []),
      { pid: Number(entry), startedAt: fields[19] ?? "" },
    ]);
  }
  const found: ProcessId[] = [];
  const queue = [pid];
  for (let parent = queue.shift(); parent !== undefined; parent = queue.shift()) {
    for (const child of children.get(parent) ?? []) {
      found.push(child);
      queue.push(child.pid);
    }
  }
  return found;
}

function alive(process: ProcessId): boolean {
  const fields = statFields(process.pid);
  return fields !== undefined && fields[0] !== "Z" && fields[19] === process.startedAt;
}

function commandLine(process: ProcessId): string {
  try {
    return readFileSync(`/proc/${process.pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "(gone)";
  }
}

function kill(process: ProcessId) {
  try {
    if (alive(process)) globalThis.process.kill(process.pid, "SIGKILL");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

type Start = { child: ChildProcess; output: () => string; exited: Promise<number | null> };
const started: Start[] = [];

function npmStart(args: string[], env: Record<string, string>): Start {
  const child = spawn("npm", ["start", "--", ...args], {
    cwd: repoRoot,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  let output = "";
  child.stdout?.on("data", (data) => (output += data));
  child.stderr?.on("data", (data) => (output += data));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const start = { child, output: () => output, exited };
  started.push(start);
  return start;
}

async function until(what: string, check: () => boolean, timeoutMs: number, output: () => string) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} not seen in ${timeoutMs / 1000} s:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

let stack: Start;
let ports: { edge: number; gemini: number };
const dataDir = mkdtempSync(join(tmpdir(), "distillery-start-"));
const otherDataDir = mkdtempSync(join(tmpdir(), "distillery-start-other-"));
const env = { DISTILLERY_HOME: dataDir, DISTILLERY_PY_PROFILE: "full" };
const seen: ProcessId[] = [];

beforeAll(async () => {
  ports = { edge: await freePort(), gemini: await freePort() };
  stack = npmStart(["--port", String(ports.edge), "--gemini-port", String(ports.gemini), "--no-seed"], env);
  let exited = false;
  stack.exited.then(() => (exited = true));
  await until(
    "the banner of npm start",
    () => exited || stack.output().includes("Distillery is running."),
    STACK_READY_MS,
    stack.output,
  );
  expect(exited, stack.output()).toBe(false);
}, STACK_READY_MS + 10_000);

afterAll(() => {
  // Whatever the test left (a failed stop included) is killed, never left to other tests.
  for (const process of seen) kill(process);
  for (const { child } of started) {
    for (const process of descendants(child.pid ?? -1)) kill(process);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
  for (const dir of [dataDir, otherDataDir]) rmSync(dir, { recursive: true, force: true });
});

describe("npm start", () => {
  it("refuses a second start on the same data folder, naming the running one", async () => {
    const second = npmStart(["--port", String(ports.edge), "--gemini-port", String(ports.gemini)], env);
    const code = await second.exited;
    expect(code).not.toBe(0);
    expect(second.output()).toMatch(/Distillery is already running \(pid \d+, edge on :\d+\)/);
    expect(second.output()).toContain(`:${ports.edge}`);
  }, 30_000);

  it("refuses a start on ports another stack holds, naming the port", async () => {
    const second = npmStart(["--port", String(ports.edge), "--gemini-port", String(await freePort())], {
      ...env,
      DISTILLERY_HOME: otherDataDir,
    });
    const code = await second.exited;
    expect(code).not.toBe(0);
    expect(second.output()).toContain(`port ${ports.edge} is already in use`);
  }, 30_000);

  it("stops every process it started on SIGTERM to the npm process, and frees its ports", async () => {
    const pids = descendants(stack.child.pid!);
    seen.push(...pids);
    const commands = pids.map(commandLine);
    expect(commands.some((command) => command.includes("workerd"))).toBe(true);
    expect(commands.some((command) => command.includes("distillery-node"))).toBe(true);
    expect(commands.some((command) => command.includes("gemini"))).toBe(true);

    process.kill(stack.child.pid!, "SIGTERM");
    const survivors = () =>
      pids
        .filter(alive)
        .map((process) => `${process.pid}: ${commandLine(process)}`)
        .join("\n");
    await until("every process gone", () => !pids.some(alive), 20_000, survivors);
    expect(await listening(ports.edge)).toBe(false);
    expect(await listening(ports.gemini)).toBe(false);
  }, 40_000);
});
