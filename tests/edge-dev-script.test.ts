/**
 * `npm run dev:edge -- --port N` (edge/scripts/dev.sh): both `--port N` and `--port=N` choose the port, and
 * every other argument reaches `wrangler dev` unchanged. `npx` is replaced by a stand-in on PATH that
 * prints the command it was given, so no wrangler starts.
 */
import { execFile } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "./node-harness";

const bin = mkdtempSync(join(tmpdir(), "distillery-dev-bin-"));
const home = mkdtempSync(join(tmpdir(), "distillery-dev-home-"));
afterAll(() => {
  for (const dir of [bin, home]) rmSync(dir, { recursive: true, force: true });
});

async function wranglerDevCommand(args: string[]): Promise<string> {
  writeFileSync(join(bin, "npx"), '#!/usr/bin/env bash\necho "npx $*"\n');
  chmodSync(join(bin, "npx"), 0o755);
  const { stdout } = await promisify(execFile)(
    "bash",
    [join(repoRoot, "edge", "scripts", "dev.sh"), ...args],
    {
      env: {
        ...process.env,
        PATH: `${bin}:${process.env.PATH}`,
        DISTILLERY_HOME: home,
        PORT: "",
      },
    },
  );
  const command = stdout.split("\n").find((line) => line.startsWith("npx wrangler dev"));
  if (!command) throw new Error(`dev.sh ran no wrangler dev:\n${stdout}`);
  return command;
}

describe("edge/scripts/dev.sh", () => {
  it("takes the port as `--port N`", async () => {
    const command = await wranglerDevCommand(["--port", "8799", "--var", "K:V"]);
    expect(command).toContain("--port 8799 ");
    expect(command).not.toContain("--port 8787");
    expect(command).toMatch(/ --var K:V$/);
  });

  it("takes the port as `--port=N`", async () => {
    expect(await wranglerDevCommand(["--port=8798"])).toContain("--port 8798 ");
  });

  it("defaults to 8787", async () => {
    expect(await wranglerDevCommand([])).toContain("--port 8787 ");
  });

  it("refuses `--port` without a number", async () => {
    await expect(wranglerDevCommand(["--port"])).rejects.toThrow(/--port needs a port number/);
  });
});
