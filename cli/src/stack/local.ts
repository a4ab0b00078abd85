/**
 * @module
 * Where the local stack keeps its state and how its parts are found: the data folder (default
 * `.distillery/` in the repository, or `$DISTILLERY_HOME`), the tokens `distillery start` created for
 * itself (`tokens.json`, readable only by the user), and the repository's entry points.
 */
import { execFile } from "node:child_process";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { DistilleryError } from "@distillery/shared";
import { z } from "zod";

export const REPO_DIR = fileURLToPath(new URL("../../../", import.meta.url));
export const CLI_BIN = join(REPO_DIR, "cli", "bin", "distillery.mjs");
export const NODE_BIN = join(REPO_DIR, "gpu-node", "bin", "distillery-node.mjs");

/** The local data folder: `--data-dir`, `$DISTILLERY_HOME`, or `.distillery/` in the repository. */
export function stackDataDir(flag?: string): string {
  return resolve(flag ?? process.env.DISTILLERY_HOME ?? join(REPO_DIR, ".distillery"));
}

const localTokensSchema = z.object({ admin: z.string(), node: z.string(), bot: z.string() });
export type LocalTokens = z.infer<typeof localTokensSchema>;

/** Creates a token on the local database through the CLI (`tokens create` prints only the token). */
async function createLocalToken(dataDir: string, role: keyof LocalTokens): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [CLI_BIN, "tokens", "create", "--role", role, "--name", `local-${role}`, "--data-dir", dataDir],
      { cwd: REPO_DIR, maxBuffer: 1024 * 1024 },
    );
    return stdout.trim();
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? "";
    throw new DistilleryError(
      "start.tokens",
      `could not create the local ${role} token: ${stderr.trim() || String(error)}`,
      { cause: error },
    );
  }
}

/** The tokens of the local stack, created on first start and reused after (the data folder keeps both). */
export async function ensureLocalTokens(dataDir: string, { recreate = false } = {}): Promise<LocalTokens> {
  const file = join(dataDir, "tokens.json");
  if (!recreate) {
    try {
      return localTokensSchema.parse(JSON.parse(await readFile(file, "utf8")));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
  await mkdir(dataDir, { recursive: true });
  const tokens: LocalTokens = {
    admin: await createLocalToken(dataDir, "admin"),
    node: await createLocalToken(dataDir, "node"),
    bot: await createLocalToken(dataDir, "bot"),
  };
  await writeFile(file, `${JSON.stringify(tokens, null, 2)}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return tokens;
}
