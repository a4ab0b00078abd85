/**
 * @module
 * Shared by the node tests and the node-upload benchmark: a real `wrangler dev` on a fresh local data
 * folder (migrations applied, seeded through wrangler's own D1/R2 commands before it starts), real
 * agent processes (`distillery-node` with the stub Python module) and a raw node socket for
 * protocol-level checks.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  type DatasetRow,
  type HubMessage,
  hubMessageSchema,
  type Job,
  jobSchema,
  type NodeCapabilities,
  type PostfilterFilter,
  postfilter,
  TERMINAL_JOB_STATES,
  waitForJob,
} from "@distillery/shared";
import { sha256HexSync, startWranglerDev } from "@distillery/shared/node";
import WebSocket from "ws";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const execFileAsync = promisify(execFile);

export function sqlString(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return `'${text.replaceAll("'", "''")}'`;
}

export type Edge = {
  url: string;
  persist: string;
  adminToken: string;
  nodeToken: string;
  submitterToken: string;
  api: (path: string, init?: { method?: string; json?: unknown; token?: string }) => Promise<Response>;
  stop: () => Promise<void>;
};

/**
 * Prepares a fresh local data folder: migrations, tokens, then whatever `seedSql` holds, and the R2
 * objects of `r2` (text or bytes: a model artifact is seeded here, since the edge takes an artifact
 * upload only from the node holding its train job's lease).
 */
export async function prepareEdge(
  options: { seedSql?: string[]; r2?: Record<string, string | Uint8Array> } = {},
) {
  const persist = mkdtempSync(join(tmpdir(), "distillery-edge-"));
  const env = wranglerEnv(persist);
  const wrangler = (args: string[]) =>
    execFileAsync("npx", ["wrangler", ...args, "--local", "--persist-to", persist], {
      cwd: join(repoRoot, "edge"),
      env,
      maxBuffer: 16 << 20,
    });
  await wrangler(["d1", "migrations", "apply", "DB"]);
  const tokens = { adminToken: "", nodeToken: "", submitterToken: "" };
  const statements: string[] = [];
  for (const role of ["admin", "node", "submitter"] as const) {
    const token = `dst_test_${role}_${randomBytes(8).toString("hex")}`;
    tokens[`${role}Token`] = token;
    const hash = sha256HexSync(token);
    statements.push(
      `INSERT INTO api_tokens (id, name, role, token_hash, created_by) VALUES ('tok_${role}', 'test-${role}', '${role}', '${hash}', 'test');`,
    );
  }
  const file = join(persist, "seed.sql");
  writeFileSync(file, [...statements, ...(options.seedSql ?? [])].join("\n"));
  await wrangler(["d1", "execute", "DB", "--file", file]);
  for (const [key, text] of Object.entries(options.r2 ?? {})) {
    const objectFile = join(persist, `r2-${sha256HexSync(key)}`);
    writeFileSync(objectFile, text);
    await wrangler(["r2", "object", "put", `distillery/${key}`, "--file", objectFile]);
  }
  return { persist, ...tokens };
}

function wranglerEnv(persist: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    WRANGLER_SEND_METRICS: "false",
    WRANGLER_SEND_ERROR_REPORTS: "false",
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
    XDG_CONFIG_HOME: join(persist, "config"),
    CI: "1",
  };
}

/** Starts `wrangler dev` on a prepared folder and waits until it answers. */
export async function startEdge(
  prepared: Awaited<ReturnType<typeof prepareEdge>>,
  options: { port: number; leaseMs: number; pollMs?: number; vars?: Record<string, string> },
): Promise<Edge> {
  const { persist } = prepared;
  const args = [
    "wrangler",
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    String(options.port),
    "--persist-to",
    persist,
  ];
  args.push("--show-interactive-dev-session=false", "--var", `HUB_LEASE_MS:${options.leaseMs}`);
  args.push("--var", `HUB_POLL_MS:${options.pollMs ?? 250}`);
  for (const [key, value] of Object.entries(options.vars ?? {})) args.push("--var", `${key}:${value}`);
  // Our own inspector port (the next one): the default 9229 may be another wrangler's.
  args.push("--inspector-port", String(options.port + 1));
  // Refuses a port a wrangler left behind by an interrupted run still answers (another database).
  const wrangler = await startWranglerDev({
    command: "npx",
    args,
    port: options.port,
    cwd: join(repoRoot, "edge"),
    env: wranglerEnv(persist),
    timeoutMs: 60_000,
  });
  const url = wrangler.url;
  const api: Edge["api"] = (path, init = {}) =>
    fetch(`${url}${path}`, {
      method: init.method ?? (init.json === undefined ? "GET" : "POST"),
      headers: {
        authorization: `Bearer ${init.token ?? prepared.adminToken}`,
        ...(init.json === undefined ? {} : { "content-type": "application/json" }),
      },
      body: init.json === undefined ? undefined : JSON.stringify(init.json),
    });
  return {
    ...prepared,
    url,
    api,
    stop: () => wrangler.stop(),
  };
}

export function killGroup(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    process.kill(-child.pid!, signal);
  } catch {
    return Promise.resolve();
  }
  return exited;
}

export type AgentProcess = { child: ChildProcess; output: () => string; exited: Promise<number | null> };

/**
 * Starts `distillery-node` (the real CLI) with the stub Python module, or with the real `distillery_gpu`
 * package in the project's venv (`python: "package"`).
 */
export function startAgent(
  edge: Pick<Edge, "url">,
  options: {
    token: string;
    workDir?: string;
    name?: string;
    env?: Record<string, string>;
    python?: "stub" | "package";
  },
): AgentProcess {
  const workDir = options.workDir ?? mkdtempSync(join(tmpdir(), "distillery-node-"));
  const args = [
    join(repoRoot, "gpu-node", "bin", "distillery-node.mjs"),
    "--edge",
    edge.url,
    "--token",
    options.token,
  ];
  args.push("--work-dir", workDir, "--max-backoff-ms", "1000");
  if (options.python !== "package") {
    args.push("--python", "python3", "--python-module", "stub_gpu");
    args.push("--python-path", join(repoRoot, "gpu-node", "fixtures"));
  }
  if (options.name) args.push("--name", options.name);
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...options.env },
  });
  let output = "";
  child.stdout?.on("data", (data) => (output += data));
  child.stderr?.on("data", (data) => (output += data));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** Polls `check` until it returns a value (not undefined) or the time runs out. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Polls job `id` (through `waitForJob`) until it has ended, failing when it has not after `timeoutMs`.
 * @example
 * const done = await jobFinished(edge, id, 60_000);
 */
export async function jobFinished(edge: Pick<Edge, "api">, id: string, timeoutMs = 30_000): Promise<Job> {
  const getJob = async (jobId: string) => jobSchema.parse(await (await edge.api(`/v1/jobs/${jobId}`)).json());
  const job = await waitForJob({ getJob }, id, { intervalMs: 100, timeoutMs });
  if (!TERMINAL_JOB_STATES.includes(job.state)) {
    throw new Error(`timed out waiting for job ${id} to finish (it is ${job.state})`);
  }
  return job;
}

/** A raw node socket: for checks below the agent (invalid messages, duplicate uploads). */
export async function rawNode(edge: Pick<Edge, "url">, token: string) {
  const socket = new WebSocket(`${edge.url.replace("http", "ws")}/v1/nodes/connect`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const received: HubMessage[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once("close", (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  socket.on("message", (data) => received.push(hubMessageSchema.parse(JSON.parse(data.toString()))));
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
  });
  return {
    socket,
    received,
    closed,
    send: (message: unknown) => socket.send(typeof message === "string" ? message : JSON.stringify(message)),
    next: <T extends HubMessage["type"]>(type: T, after = 0) =>
      waitFor(
        `a ${type} message`,
        async () =>
          received.slice(after).find((m) => m.type === type) as Extract<HubMessage, { type: T }> | undefined,
        15_000,
      ),
  };
}

/** What a CPU-only node with peft reports in its hello, taking the job kinds given. */
export function cpuNodeCapabilities(jobKinds: NodeCapabilities["job_kinds"]): NodeCapabilities {
  return {
    python: "3.11.7",
    torch: null,
    cuda: false,
    bf16: false,
    flash_attention: false,
    gpus: [],
    backends: { unsloth: false, peft: true, bitsandbytes: false, vllm: false, sentence_transformers: false },
    free_disk_gb: 10,
    job_kinds: jobKinds,
  };
}

/**
 * The R2 objects of dataset `ds_test` (one JSONL per split) for `filter`: `count[split]` rows each,
 * with `row(i, split)`'s scores and categories postfiltered into overall and tier, so a node can train
 * and evaluate on it.
 */
export function datasetFiles(
  filter: PostfilterFilter,
  counts: Record<DatasetRow["split"], number>,
  row: (
    i: number,
    split: DatasetRow["split"],
  ) => Pick<DatasetRow, "scores" | "title" | "body" | "language" | "source"> &
    Partial<Pick<DatasetRow, "categories">>,
): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [split, count] of Object.entries(counts) as [DatasetRow["split"], number][]) {
    const rows: DatasetRow[] = Array.from({ length: count }, (_, i) => {
      const fields = row(i, split);
      const { overall, tier } = postfilter(filter, fields.scores, fields.categories);
      return {
        article_id: `${split}-${i}`,
        split,
        url: "",
        reasons: {},
        categories: {},
        overall,
        tier,
        ...fields,
      };
    });
    files[`datasets/ds_test/${split}.jsonl`] = rows.map((r) => JSON.stringify(r)).join("\n");
  }
  return files;
}
