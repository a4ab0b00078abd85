/**
 * Where `distillery demo` finds its admin token: a missing `tokens.json` is "no token", a malformed one is
 * named as malformed with its path (never reported as missing).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resolveToken } from "./demo";

let dataDir: string;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "distillery-demo-token-"));
  vi.stubEnv("DISTILLERY_TOKEN", "");
});

afterEach(async () => {
  vi.unstubAllEnvs();
  await rm(dataDir, { recursive: true, force: true });
});

describe("resolveToken", () => {
  it("prefers the flag", async () => {
    expect(await resolveToken({ token: "tok_flag", dataDir })).toBe("tok_flag");
  });

  it("reads the admin token npm start saved", async () => {
    await writeFile(join(dataDir, "tokens.json"), JSON.stringify({ admin: "tok_admin" }));
    expect(await resolveToken({ dataDir })).toBe("tok_admin");
  });

  it("says there is no token when tokens.json does not exist", async () => {
    await expect(resolveToken({ dataDir })).rejects.toThrow(/^no token: .*tokens\.json/);
  });

  it("says tokens.json is malformed, with its path, when it is not JSON", async () => {
    const file = join(dataDir, "tokens.json");
    await writeFile(file, '{"admin": "tok_');
    await expect(resolveToken({ dataDir })).rejects.toThrow(`${file} is malformed (not valid JSON`);
  });

  it("says tokens.json is malformed when it has no admin token", async () => {
    const file = join(dataDir, "tokens.json");
    await writeFile(file, JSON.stringify({ viewer: "tok_viewer" }));
    await expect(resolveToken({ dataDir })).rejects.toThrow(`${file} is malformed (no "admin" token in it)`);
  });
});
