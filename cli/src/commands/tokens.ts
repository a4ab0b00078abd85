/**
 * @module
 * `distillery tokens create|list|revoke`: API tokens with a role (admin, submitter, node, bot).
 * - With `--edge URL --token ADMIN_TOKEN` (or `DISTILLERY_EDGE_URL` / `DISTILLERY_TOKEN`) it calls the
 *   edge's `/v1/tokens` API: the way to manage a deployed edge.
 * - Without them it works on the local edge's data with no token of its own: it runs
 *   `wrangler d1 execute DB --local` on the database under `--data-dir` (default `$DISTILLERY_HOME` or
 *   `.distillery`), the same files `npm run dev:edge` uses, after applying any pending migrations. Only
 *   the token's SHA-256 is written; the token itself is printed once.
 * `tokens create` prints only the new token on stdout, so `TOKEN=$(npx distillery tokens create --role bot)`
 * works; everything else goes to stderr.
 */
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  DistilleryClient,
  DistilleryError,
  generateApiToken,
  hashApiToken,
  newId,
  type TokenInfo,
  tokenCreateRequestSchema,
  tokenInfoSchema,
  tokenRoleSchema,
} from "@distillery/shared";
import type { Command } from "commander";
import { usageError } from "../errors";
import type { Io } from "../io";

type Target = { edge?: string; token?: string; dataDir?: string; remoteD1?: boolean };

const EDGE_DIR = fileURLToPath(new URL("../../../edge/", import.meta.url));

/** Where the local edge keeps its data: the `--data-dir` flag, `$DISTILLERY_HOME`, or `./.distillery`. */
export function localDataDir(flag?: string): string {
  return resolve(flag ?? process.env.DISTILLERY_HOME ?? ".distillery");
}

function remoteClient(target: Target): DistilleryClient | null {
  if (target.remoteD1) {
    if (target.edge) throw usageError("--remote-d1 and --edge are two ways to reach an edge: use one");
    return null;
  }
  const edge = target.edge ?? process.env.DISTILLERY_EDGE_URL;
  if (!edge) return null;
  const token = target.token ?? process.env.DISTILLERY_TOKEN;
  if (!token) throw usageError("--edge needs an admin token: pass --token or set DISTILLERY_TOKEN");
  return new DistilleryClient({ baseUrl: edge, token });
}

/** Runs wrangler against the local D1 database (or the deployed one, `dataDir` null); returns stdout. */
async function wrangler(dataDir: string | null, args: string[]): Promise<string> {
  const bin = join(
    dirname(createRequire(import.meta.url).resolve("wrangler/package.json")),
    "bin",
    "wrangler.js",
  );
  const env = {
    ...process.env,
    CI: "1",
    WRANGLER_SEND_METRICS: "false",
    WRANGLER_SEND_ERROR_REPORTS: "false",
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
    ...(dataDir ? { XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME ?? join(dataDir, "config") } : {}),
  };
  const fullArgs = dataDir
    ? [bin, ...args, "--local", "--persist-to", join(dataDir, "wrangler")]
    : [bin, ...args, "--remote"];
  try {
    const { stdout } = await promisify(execFile)(process.execPath, fullArgs, {
      cwd: EDGE_DIR,
      env,
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    // With --json, wrangler reports SQL errors on stdout as {"error":{"text":...}}.
    const output = error as { stderr?: string; stdout?: string };
    const stderr = `${output.stdout ?? ""}\n${output.stderr ?? ""}`;
    throw new DistilleryError(
      "tokens.local_failed",
      `wrangler ${args.slice(0, 3).join(" ")} failed: ${stderr.trim().slice(-500)}`,
      {
        cause: error,
      },
    );
  }
}

/**
 * Runs SQL on the local database (applying migrations first if it has none yet), or on the deployed
 * one with `--remote-d1`; returns the last rows.
 */
async function localSql(target: Target, sql: string): Promise<Record<string, unknown>[]> {
  const dataDir = target.remoteD1 ? null : localDataDir(target.dataDir);
  const execute = () => wrangler(dataDir, ["d1", "execute", "DB", "--json", "--command", sql]);
  let stdout: string;
  try {
    stdout = await execute();
  } catch (error) {
    if (!(dataDir && error instanceof DistilleryError && error.message.includes("no such table")))
      throw error;
    await wrangler(dataDir, ["d1", "migrations", "apply", "DB"]);
    stdout = await execute();
  }
  const parsed: unknown = JSON.parse(stdout);
  const last = Array.isArray(parsed) ? (parsed.at(-1) as { results?: unknown } | undefined) : undefined;
  if (!last || !Array.isArray(last.results)) {
    throw new DistilleryError(
      "tokens.local_failed",
      `unexpected output from wrangler d1 execute: ${stdout.slice(0, 200)}`,
    );
  }
  return last.results as Record<string, unknown>[];
}

/** A SQL string literal (single quotes doubled), for values wrangler's `--command` cannot bind. */
function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

async function createToken(target: Target, role: string, name: string | undefined): Promise<string> {
  const request = tokenCreateRequestSchema.safeParse({ role, name });
  if (!request.success) {
    const issue = request.error.issues[0];
    throw usageError(`--${String(issue?.path[0] ?? "role")}: ${issue?.message ?? "invalid"}`);
  }
  const client = remoteClient(target);
  if (client) return (await client.createToken(request.data)).token;
  const token = generateApiToken();
  // The edge's own id generator: `GET /v1/tokens` lists newest first by id.
  const id = newId("tok");
  const tokenName = request.data.name ?? `${request.data.role}-${id.slice(-6)}`;
  await localSql(
    target,
    `INSERT INTO api_tokens (id, name, role, token_hash, created_by, created_at) VALUES (${literal(id)}, ${literal(tokenName)}, ${literal(request.data.role)}, ${literal(await hashApiToken(token))}, 'cli:local', ${literal(new Date().toISOString())})`,
  );
  return token;
}

async function listTokens(target: Target): Promise<TokenInfo[]> {
  const client = remoteClient(target);
  if (client) {
    const all: TokenInfo[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listTokens({ cursor, limit: 500 });
      all.push(...page.items);
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    return all;
  }
  const rows = await localSql(
    target,
    "SELECT id, name, role, created_by, created_at, last_used_at, revoked_at FROM api_tokens ORDER BY created_at DESC",
  );
  return rows.map((row) => tokenInfoSchema.parse(row));
}

async function revokeToken(target: Target, id: string): Promise<void> {
  const client = remoteClient(target);
  if (client) {
    await client.revokeToken(id);
    return;
  }
  const rows = await localSql(
    target,
    `UPDATE api_tokens SET revoked_at = coalesce(revoked_at, ${literal(new Date().toISOString())}) WHERE id = ${literal(id)} RETURNING id`,
  );
  if (rows.length === 0)
    throw new DistilleryError("token.not_found", `no token with id '${id}'`, { status: 404 });
}

function addTargetOptions(command: Command): Command {
  return command
    .option("--edge <url>", "a running edge to call (default: $DISTILLERY_EDGE_URL; none = local data)")
    .option("--token <token>", "an admin token for --edge (default: $DISTILLERY_TOKEN)")
    .option("--data-dir <dir>", "the local edge's data folder (default: $DISTILLERY_HOME or .distillery)")
    .option(
      "--remote-d1",
      "write to the deployed edge's D1 database through wrangler (the first admin token of a deployment; needs `wrangler login`)",
    );
}

export function registerTokensCommand(program: Command, io: Io): void {
  const tokens = program
    .command("tokens")
    .description("Create, list and revoke API tokens (see edge/README.md)");

  addTargetOptions(
    tokens
      .command("create")
      .description("Create a token; prints only the token on stdout")
      .requiredOption("--role <role>", `one of ${tokenRoleSchema.options.join(", ")}`)
      .option("--name <name>", "a label to recognise it by in `tokens list`"),
  ).action(async (options: Target & { role: string; name?: string }) => {
    io.out(`${await createToken(options, options.role, options.name)}\n`);
  });

  addTargetOptions(
    tokens
      .command("list")
      .description("List tokens (never the tokens themselves)")
      .option("--json", "one JSON object per line"),
  ).action(async (options: Target & { json?: boolean }) => {
    const list = await listTokens(options);
    for (const t of list) {
      io.out(
        options.json
          ? `${JSON.stringify(t)}\n`
          : `${t.id}\t${t.role}\t${t.name}\t${t.created_at}\t${t.revoked_at ? `revoked ${t.revoked_at}` : "active"}\n`,
      );
    }
    if (list.length === 0) io.err("no tokens yet: `distillery tokens create --role admin`\n");
  });

  addTargetOptions(
    tokens.command("revoke").description("Revoke a token by id").argument("<id>", "the token id (tok_...)"),
  ).action(async (id: string, options: Target) => {
    await revokeToken(options, id);
    io.err(`revoked ${id}\n`);
  });
}
