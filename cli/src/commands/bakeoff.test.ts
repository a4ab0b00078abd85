/**
 * `distillery bakeoff` refusing bad flags before anything is sent: each refusal is exit code 2 and one
 * line naming the flag and what to fix. (The command against a real edge is in bakeoff-edge.test.ts.)
 */
import { describe, expect, it } from "vitest";
import { memoryIo } from "../io";
import { runCli } from "../program";

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = memoryIo();
  const code = await runCli(["node", "distillery", "bakeoff", ...args], io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

const TWO = ["--oracle", "gemini:gemini-2.5-flash", "--oracle", "openai:deepseek-chat:low"];
// Nothing listens on port 9 (discard): a run that got past the checks would fail with exit code 1.
const NOWHERE = ["--edge", "http://127.0.0.1:9", "--token", "dst_unused"];

describe("distillery bakeoff: usage errors", () => {
  it.each([
    [
      ["--oracle", "gemini:gemini-2.5-flash", "--budget", "2"],
      "--oracle: give 2 to 4 oracles, one --oracle each (got 1)",
    ],
    [
      ["--oracle", "claude:opus", ...TWO, "--budget", "2"],
      "--oracle 'claude:opus': the provider 'claude' is not one of gemini, openai",
    ],
    [["--oracle", "openai:", ...TWO, "--budget", "2"], "--oracle 'openai:': no model name after 'openai:'"],
    [
      ["--oracle", "openai:deepseek-chat:2048", "--oracle", "gemini:gemini-2.5-flash", "--budget", "2"],
      "takes a thinking level",
    ],
    [
      [...TWO, "--oracle", "gemini:gemini-2.5-flash", "--budget", "2"],
      "--oracle gemini:gemini-2.5-flash is given twice",
    ],
    [[...TWO, "--budget", "0"], "--budget must be a positive number of dollars"],
    [[...TWO, "--budget", "2", "--count", "ten"], "--count must be a whole number of at least 1, got 'ten'"],
    [[...TWO, "--budget", "2", "--count", "5000"], "--count: Too big"],
    [
      [...TWO, "--budget", "2", "--count", "10", "--repeat", "11"],
      "--repeat: repeat (11) cannot exceed the sample count (10)",
    ],
    [
      [...TWO, "--budget", "2", "--filter-version", "0"],
      "--filter-version must be a whole number of at least 1",
    ],
  ])("refuses %j", async (args, message) => {
    const run = await cli("example-energy", ...args, ...NOWHERE);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(message);
    expect(run.stderr.startsWith("distillery: ")).toBe(true);
  });

  it("needs --budget", async () => {
    const run = await cli("example-energy", ...TWO, ...NOWHERE);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--budget <usd>");
  });

  it("gets past the checks with good flags (and then fails only on the unreachable edge)", async () => {
    const run = await cli(
      "example-energy",
      ...TWO,
      "--oracle",
      "openai:qwen2.5:7b",
      "--budget",
      "2",
      ...NOWHERE,
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("cannot reach the edge at http://127.0.0.1:9");
  });

  it("lets two thinking settings of one model compete", async () => {
    const flash = ["--oracle", "gemini:gemini-2.5-flash:0", "--oracle", "gemini:gemini-2.5-flash:1024"];
    const run = await cli("example-energy", ...flash, "--budget", "2", ...NOWHERE);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("cannot reach the edge at http://127.0.0.1:9");
  });

  it("explains the provider:model[:thinking] syntax and the ':' rule in --help", async () => {
    const run = await cli("--help");
    expect(run.code).toBe(0);
    expect(run.stdout.replace(/\s+/g, " ")).toContain(
      "The last ':' segment is thinking only when it is a number or a level, so 'openai:qwen2.5:7b' is the model qwen2.5:7b",
    );
  });
});
