/**
 * Runs the real `distillery` bin (cli/bin/distillery.mjs, as npm links it) in a subprocess: the way a
 * user meets the command, including tsx loading, exit codes and the stdout/stderr split.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { labelRecordSchema } from "@distillery/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../bin/distillery.mjs", import.meta.url));
const fixtures = fileURLToPath(new URL("./import/fixtures/", import.meta.url));

function distillery(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "distillery-bin-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the distillery bin", () => {
  it("prints help listing the import command", async () => {
    const result = await distillery(["--help"], dir);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: distillery \[options\] \[command\]/);
    expect(result.stdout).toContain("import");
  });

  it("converts a legacy filter, then imports labels with it into labels.ndjson in the working directory", async () => {
    const filter = await distillery(
      ["import", "filter", join(fixtures, "legacy-rivers", "v1"), "--languages", "en"],
      dir,
    );
    expect(filter.code).toBe(0);
    expect(filter.stdout).toContain(`wrote ${join("rivers", "v1", "filter.yaml")}`);

    const labels = await distillery(
      [
        "import",
        "labels",
        join(fixtures, "labels"),
        "--filter",
        join("rivers", "v1"),
        "--rename",
        "water_quality_score=water_quality",
      ],
      dir,
    );
    expect(labels.code).toBe(0);
    expect(labels.stdout).toContain("imported 7 labels from 2 files into labels.ndjson");
    expect(labels.stderr).toMatch(/^distillery: .*labeled_batch_001\.jsonl:3: not valid JSON/m);
    const lines = (await readFile(join(dir, "labels.ndjson"), "utf8")).trim().split("\n");
    expect(lines).toHaveLength(7);
    for (const line of lines) labelRecordSchema.parse(JSON.parse(line));
  });

  it("exits 2 on a usage error and 1 on a failure, with one distillery: line", async () => {
    const usage = await distillery(["import", "labels", "nowhere.jsonl", "--filter", "no-such-filter"], dir);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^distillery: --filter no-such-filter: /);

    const scored = join(fixtures, "labels", "scored", "scored_batch_001.jsonl");
    const failure = await distillery(["import", "labels", scored, "--filter", join("rivers", "v1")], dir);
    expect(failure.code).toBe(1);
    expect(failure.stderr).toBe(
      `distillery: ${scored}:1: dimension 'water_quality' of filter 'rivers' is not in the record; dimensions found: water_quality_score, evidence, reach; map one with --rename water_quality_score=water_quality\n`,
    );
  });
});
