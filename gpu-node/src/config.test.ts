/**
 * The node agent's settings: the environment variables docs/configuration.md lists are read (with their
 * documented defaults), a bad one is named, and the CLI's flags override them.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { nodeConfig } from "./config";

const CLI = fileURLToPath(new URL("../bin/distillery-node.mjs", import.meta.url));

/** `distillery-node --help` under `env`: commander prints each flag's default, here from the environment. */
async function help(env: Record<string, string>): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [CLI, "--help"], {
    env: { PATH: process.env.PATH, ...env },
  });
  return stdout.replace(/\s+/g, " ");
}

describe("nodeConfig", () => {
  it("applies the documented defaults", () => {
    expect(nodeConfig({})).toEqual({
      DISTILLERY_EDGE_URL: "http://127.0.0.1:8787",
      DISTILLERY_WORK_DIR: ".distillery/node",
    });
  });

  it("reads the variables, an empty one counting as unset", () => {
    const config = nodeConfig({
      DISTILLERY_EDGE_URL: "https://edge.example.org",
      DISTILLERY_NODE_TOKEN: "",
      DISTILLERY_WORK_DIR: "/data/distillery",
    });
    expect(config).toEqual({
      DISTILLERY_EDGE_URL: "https://edge.example.org",
      DISTILLERY_WORK_DIR: "/data/distillery",
    });
  });

  it("names a bad variable", () => {
    expect(() => nodeConfig({ DISTILLERY_EDGE_URL: "not a url" })).toThrow(
      expect.objectContaining({
        code: "config.invalid",
        message: expect.stringContaining("DISTILLERY_EDGE_URL 'not a url'"),
      }),
    );
  });
});

describe("distillery-node flags", () => {
  it("default to the environment's DISTILLERY_EDGE_URL and DISTILLERY_WORK_DIR", async () => {
    const out = await help({
      DISTILLERY_EDGE_URL: "https://edge.example.org",
      DISTILLERY_WORK_DIR: "/data/node",
    });
    expect(out).toMatch(/--edge <url> .*? \(default: "https:\/\/edge\.example\.org"\)/);
    expect(out).toMatch(/--work-dir <dir> [^(]*\(default: "\/data\/node"\)/);
  });

  it("use the documented defaults when the environment sets nothing", async () => {
    const out = await help({});
    expect(out).toContain('default: "http://127.0.0.1:8787"');
    expect(out).toContain('default: ".distillery/node"');
  });
});
