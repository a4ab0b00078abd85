import { existsSync } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DistilleryError } from "../errors";
import type { PythonEvent } from "../schemas/job";
import { readResult, repoRoot, runPython } from "./runner";

const stub = { python: "python3", module: "stub_gpu", pythonPath: [join(repoRoot, "gpu-node", "fixtures")] };

async function inferJob(rows: number) {
  const dir = await mkdtemp(join(tmpdir(), "runner-"));
  const input = join(dir, "input.ndjson");
  const lines = Array.from({ length: rows }, (_, i) =>
    JSON.stringify({ id: `a${i}`, title: "t", body: "b", language: "en", source: "s" }),
  );
  await writeFile(input, `${lines.join("\n")}\n`);
  return { dir, job: { command: "infer" as const, job_id: "j1", model_dir: dir, input, chunk_size: 10 } };
}

describe("runPython", () => {
  it("streams chunk events as Python writes them and returns result.json", async () => {
    const { dir, job } = await inferJob(25);
    const events: PythonEvent[] = [];
    const outcome = await runPython({ ...stub, command: "infer", job, dir, onEvent: (e) => events.push(e) });
    expect(outcome.exitCode).toBe(0);
    expect(outcome.result).toMatchObject({ command: "infer", job_id: "j1", predictions: 25, chunks: 3 });
    expect(events.filter((e) => e.event === "chunk").map((e) => (e.event === "chunk" ? e.count : 0))).toEqual(
      [10, 10, 5],
    );
    const first = await readFile(join(outcome.outDir, "chunk-000000.jsonl"), "utf8");
    expect(first.trim().split("\n")).toHaveLength(10);
    expect(JSON.parse(await readFile(join(dir, "job.json"), "utf8"))).toMatchObject({ batch_tokens: 16_384 });
  });

  it("reports an error event and the non-zero exit code", async () => {
    const { dir, job } = await inferJob(1);
    const outcome = await runPython({ ...stub, command: "infer", job, dir, env: { STUB_FAIL: "1" } });
    expect(outcome.exitCode).toBe(3);
    expect(outcome.error).toEqual({ code: "stub.failed", message: "STUB_FAIL is set" });
    expect(outcome.result).toBeNull();
  });

  it("refuses a result.json that breaks the contract, naming the field", async () => {
    const { dir, job } = await inferJob(3);
    const failure = await runPython({
      ...stub,
      command: "infer",
      job,
      dir,
      env: { STUB_BAD_RESULT: "1" },
    }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(DistilleryError);
    expect(failure).toMatchObject({ code: "result.invalid", details: [{ path: "kind" }] });
    expect((failure as Error).message).toMatch(/^invalid result\.json of python infer: kind: /);
  });

  it("reads each command's result with its own schema", async () => {
    const dir = await mkdtemp(join(tmpdir(), "runner-result-"));
    const train = {
      command: "train",
      job_id: "j1",
      kind: "lexical",
      base_model: "tfidf",
      backend: "scikit-learn",
    };
    await writeFile(
      join(dir, "result.json"),
      JSON.stringify({ ...train, device: "cpu", model_dir: "model" }),
    );
    await expect(readResult(dir, "train")).rejects.toMatchObject({
      code: "result.invalid",
      details: expect.arrayContaining([{ path: "artifact_bytes", issue: expect.any(String) }]),
    });
    await writeFile(join(dir, "result.json"), "{not json");
    await expect(readResult(dir, "eval")).rejects.toMatchObject({ code: "result.invalid" });
    const doctor = await runPython({ ...stub, command: "doctor", dir });
    expect(doctor.result).toMatchObject({ student_kinds: expect.arrayContaining(["lexical"]) });
  });

  it("refuses an invalid job file before starting Python", async () => {
    const { dir } = await inferJob(1);
    await expect(
      runPython({
        ...stub,
        command: "infer",
        job: { command: "infer", job_id: "", model_dir: dir } as never,
        dir,
      }),
    ).rejects.toThrow(/input/);
  });

  it("cancelling terminates the whole process group", async () => {
    const { dir, job } = await inferJob(1000);
    const controller = new AbortController();
    const events: PythonEvent[] = [];
    const outcome = await runPython({
      ...stub,
      command: "infer",
      job,
      dir,
      env: { STUB_CHUNK_DELAY_S: "0.2" },
      signal: controller.signal,
      onEvent: (event) => {
        events.push(event);
        if (events.length === 2) controller.abort();
      },
    });
    expect(outcome.cancelled).toBe(true);
    expect(outcome.signal).toBe("SIGTERM");
    expect(outcome.result).toBeNull();
    expect(existsSync(join(outcome.outDir, "chunk-000099.jsonl"))).toBe(false);
  });
});
