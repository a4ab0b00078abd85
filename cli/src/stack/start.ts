/**
 * @module
 * `distillery start` (what `npm start` runs): the whole stack on local defaults. Order matters:
 * tokens are created on the local database before `wrangler dev` opens it; the Gemini stand-in (when
 * no `GEMINI_API_KEY` is set) and the OpenAI-compatible one (when no `OPENAI_API_KEY` is set) must
 * listen before the edge can call them; the node agent waits for the Python environment, which
 * installs in the background on a first start while the edge comes up.
 */
import { execFile } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { DistilleryClient, DistilleryError } from "@distillery/shared";
import { startWranglerDev } from "@distillery/shared/node";
import type { Io } from "../io";
import { ensureLocalTokens, NODE_BIN, REPO_DIR, stackDataDir } from "./local";
import { type RunningService, ServiceGroup, waitFor } from "./processes";
import { seedStack } from "./seed";

export type StartOptions = {
  port: number;
  geminiPort: number;
  openaiPort: number;
  dataDir?: string;
  node: boolean;
  seed: boolean;
};

const EDGE_READY_MS = 180_000;
const PYTHON_READY_MS = 30 * 60_000;
const CRON_INTERVAL_MS = 60_000;

async function pythonEnvironment(io: Io): Promise<string> {
  io.err("distillery: preparing the Python environment (installed once, reused by later starts)…\n");
  const { stdout } = await promisify(execFile)("bash", [join(REPO_DIR, "scripts", "py-env.sh"), "path"], {
    cwd: REPO_DIR,
    maxBuffer: 16 * 1024 * 1024,
    timeout: PYTHON_READY_MS,
  });
  return stdout.trim().split("\n").at(-1) ?? "";
}

type StandinSpec = {
  /** The service name in logs and `ps`. */
  name: string;
  /** What waiting for it is called in errors. */
  label: string;
  /** Its folder under tests/standins (which holds its `main.ts`). */
  folder: "gemini" | "openai";
  port: number;
};

/** Starts a local oracle stand-in and resolves with the URL it prints once it listens. */
function startStandin(group: ServiceGroup, spec: StandinSpec): Promise<string> {
  let url: string | undefined;
  const service = group.start(
    {
      name: spec.name,
      command: process.execPath,
      args: [
        "--import",
        "tsx",
        join(REPO_DIR, "tests", "standins", spec.folder, "main.ts"),
        "--port",
        String(spec.port),
        "--scoring",
        "lexical",
        "--latency-ms",
        "150",
      ],
      cwd: REPO_DIR,
    },
    (line) => {
      if (line.startsWith("{")) url = (JSON.parse(line) as { url?: string }).url;
    },
  );
  return waitFor(spec.label, service, async () => url, 30_000);
}

/**
 * Runs the stack until SIGINT/SIGTERM/SIGHUP (or until the edge dies), then stops every process it started.
 * @example
 * await startStack({ port: 8787, geminiPort: 8788, openaiPort: 8824, node: true, seed: true }, processIo);
 */
export async function startStack(options: StartOptions, io: Io): Promise<number> {
  const dataDir = stackDataDir(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  const group = new ServiceGroup((line) => io.err(`${line}\n`));
  const stopped = new Promise<string>((resolve) => {
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const)
      process.once(signal, () => resolve(signal));
  });
  const python = options.node ? pythonEnvironment(io) : Promise.resolve("");
  python.catch(() => undefined);

  try {
    let tokens = await ensureLocalTokens(dataDir);
    const geminiKey = process.env.GEMINI_API_KEY;
    const geminiUrl = geminiKey
      ? process.env.GEMINI_BASE_URL
      : await startStandin(group, {
          name: "gemini-stand-in",
          label: "the Gemini stand-in",
          folder: "gemini",
          port: options.geminiPort,
        });
    const openaiKey = process.env.OPENAI_API_KEY;
    const openaiUrl = openaiKey
      ? process.env.OPENAI_BASE_URL
      : `${await startStandin(group, {
          name: "openai-stand-in",
          label: "the OpenAI-compatible stand-in",
          folder: "openai",
          port: options.openaiPort,
        })}/v1`;
    const envFile = join(dataDir, "edge.env");
    const vars = [
      geminiUrl ? `GEMINI_BASE_URL=${geminiUrl}` : "",
      geminiKey ? `GEMINI_API_KEY=${geminiKey}` : "",
      openaiUrl ? `OPENAI_BASE_URL=${openaiUrl}` : "",
      openaiKey ? `OPENAI_API_KEY=${openaiKey}` : "",
      `ORACLE_RPM=${process.env.ORACLE_RPM ?? (geminiKey ? 150 : 600)}`,
    ].filter(Boolean);
    await writeFile(envFile, `${vars.join("\n")}\n`, { mode: 0o600 });

    const edgeUrl = `http://127.0.0.1:${options.port}`;
    const edgeSpec = {
      name: "edge",
      command: "bash",
      args: [join(REPO_DIR, "edge", "scripts", "dev.sh"), `--port=${options.port}`, "--env-file", envFile],
      env: { DISTILLERY_HOME: dataDir },
      cwd: REPO_DIR,
    };
    const wrangler = await startWranglerDev({
      ...edgeSpec,
      port: options.port,
      name: "the edge (wrangler dev)",
      timeoutMs: EDGE_READY_MS,
      onLine: (line) => io.err(`[edge] ${line}\n`),
    });
    const edge = group.adopt(edgeSpec, wrangler.child);
    // wrangler dev does not fire cron triggers; the edge's minute tasks (Batch Mode polling, re-sending
    // stalled oracle work) run from here, as Cloudflare runs them in production.
    const cron = setInterval(() => {
      fetch(`${edgeUrl}/cdn-cgi/local/scheduled`).catch(() => undefined);
    }, CRON_INTERVAL_MS);
    cron.unref();

    let admin = new DistilleryClient({ baseUrl: edgeUrl, token: tokens.admin });
    if ((await admin.raw("GET", "/v1/tokens", { query: { limit: 1 } })).status === 401) {
      io.err("distillery: the saved local tokens are not in this database any more; creating new ones\n");
      tokens = await ensureLocalTokens(dataDir, { recreate: true });
      admin = new DistilleryClient({ baseUrl: edgeUrl, token: tokens.admin });
    }
    if (options.seed) {
      const seeded = await seedStack(admin);
      io.err(
        `distillery: filters: ${seeded.filtersCreated.length} created, ${seeded.filtersPresent} present; sample corpus: ${seeded.articlesCreated} new of ${seeded.articlesTotal}\n`,
      );
    }

    let node: RunningService | null = null;
    if (options.node) {
      const pythonPath = await python;
      node = group.start({
        name: "node",
        command: process.execPath,
        args: [NODE_BIN, "--edge", edgeUrl, "--work-dir", join(dataDir, "node"), "--python", pythonPath],
        // The token travels in the environment, not in argv where `ps` shows it.
        env: { DISTILLERY_NODE_TOKEN: tokens.node },
        cwd: REPO_DIR,
      });
    }
    if (process.env.DISCORD_TOKEN) {
      group.start({
        name: "bot",
        command: process.execPath,
        args: ["--import", "tsx", join(REPO_DIR, "bot", "src", "main.ts")],
        env: { DISTILLERY_EDGE_URL: edgeUrl, DISTILLERY_BOT_TOKEN: tokens.bot },
        cwd: REPO_DIR,
      });
    }

    io.out(
      banner({
        edgeUrl,
        dataDir,
        adminToken: tokens.admin,
        geminiUrl: geminiKey ? null : (geminiUrl ?? null),
        openaiUrl: openaiKey ? null : (openaiUrl ?? null),
        node: node !== null,
      }),
    );
    const reason = await Promise.race([stopped, edge.exited.then(() => "edge exited")]);
    io.err(`distillery: stopping (${reason})…\n`);
    await group.stopAll();
    return reason === "edge exited" ? 1 : 0;
  } catch (error) {
    await group.stopAll();
    if (error instanceof DistilleryError) throw error;
    throw new DistilleryError("start.failed", `could not start the stack: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

function banner(info: {
  edgeUrl: string;
  dataDir: string;
  adminToken: string;
  geminiUrl: string | null;
  openaiUrl: string | null;
  node: boolean;
}): string {
  const lines = [
    "",
    "Distillery is running.",
    `  API            ${info.edgeUrl}/v1   (OpenAPI: ${info.edgeUrl}/v1/openapi.json)`,
    `  events         ${info.edgeUrl.replace("http", "ws")}/v1/events`,
    `  admin token    ${info.adminToken}`,
    `  data           ${info.dataDir}   (delete it to start clean)`,
    `  GPU node       ${info.node ? "one local agent (CPU when there is no GPU)" : "not started (--no-node)"}`,
    info.geminiUrl
      ? `  oracle         LOCAL GEMINI STAND-IN at ${info.geminiUrl}: no GEMINI_API_KEY set, labels are synthetic`
      : "  oracle         Gemini (GEMINI_API_KEY is set): oracle jobs cost money; dry_run first",
    info.openaiUrl
      ? `  openai oracle  LOCAL OPENAI-COMPATIBLE STAND-IN at ${info.openaiUrl}: no OPENAI_API_KEY set, labels are synthetic`
      : "  openai oracle  OpenAI-compatible endpoint (OPENAI_API_KEY is set): oracle jobs cost money; dry_run first",
    `  Discord bot    ${process.env.DISCORD_TOKEN ? "started" : "not started (set DISCORD_TOKEN to start it)"}`,
    "",
    "Next:",
    "  npx distillery demo                      # the whole flow on the sample corpus, step by step",
    `  export DISTILLERY_TOKEN=${info.adminToken}`,
    `  curl -H "Authorization: Bearer $DISTILLERY_TOKEN" ${info.edgeUrl}/v1/filters`,
    "",
    "Ctrl-C stops everything; the next start finds the data where it was left.",
    "",
  ];
  return `${lines.join("\n")}\n`;
}
