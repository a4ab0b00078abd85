/**
 * `distillery tokens create` on local data (wrangler's local D1 under a temp `--data-dir`, no edge
 * running): the token row gets an id from the edge's own generator, so `GET /v1/tokens` (newest first
 * by id) lists CLI-made and API-made tokens in the order they were made.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newId, tokenInfoSchema } from "@distillery/shared";
import { afterAll, describe, expect, it } from "vitest";
import { memoryIo } from "../io";
import { runCli } from "../program";

const dirs: string[] = [];

afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function cli(...args: string[]) {
  const io = memoryIo();
  const code = await runCli(["node", "distillery", ...args], io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

describe("tokens on local data", () => {
  it("gives a CLI-made token a time-ordered id like the edge's", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "distillery-tokens-"));
    dirs.push(dataDir);
    const before = newId("tok");
    const created = await cli("tokens", "create", "--role", "bot", "--data-dir", dataDir);
    expect(created.code).toBe(0);
    const after = newId("tok");
    const listed = await cli("tokens", "list", "--json", "--data-dir", dataDir);
    const [token] = listed.stdout
      .trim()
      .split("\n")
      .map((line) => tokenInfoSchema.parse(JSON.parse(line)));
    expect(token?.id).toMatch(/^tok_[0-9a-z]{25}$/);
    // Sorting by id is sorting by creation time, whichever side made the token.
    expect([after, token!.id, before].sort().reverse()).toEqual([after, token!.id, before]);
  }, 120_000);
});
