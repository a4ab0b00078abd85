/**
 * @module
 * One leased job (shard) on this node, from offer to result: downloads its inputs and model, writes the
 * Python job file, runs Python through the job runner (which validates `result.json` against the
 * command's schema), forwards progress, uploads prediction chunks (skipping the ones the hub already
 * holds), uploads a trained model, and sends `job.result` (the typed `nodeTrainResultSchema`,
 * `nodeEvalResultSchema` or `nodeInferResultSchema`, validated before it goes) or `job.failed` until
 * the hub acknowledges it. A result that breaks the contract fails the job with `result.invalid`.
 * Cancelling kills the Python process group.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, join } from "node:path";
import { createInterface } from "node:readline";
import {
  DistilleryError,
  type HubMessage,
  type JobProgress,
  type NodeEvalResult,
  type NodeInferResult,
  type NodeMessage,
  type NodeTrainResult,
  nodeEvalResultSchema,
  nodeInferResultSchema,
  nodeTrainResultSchema,
  type Prediction,
  type PythonEvent,
  type PythonJobFile,
  parseOrThrow,
  predictionSchema,
} from "@distillery/shared";
import { type PythonResultOf, type RunPythonOptions, runPython } from "@distillery/shared/node";
import { jobDevice } from "./capabilities";
import { ChunkUploader } from "./chunk-uploader";
import type { EdgeHttp } from "./edge-http";
import type { WorkDir } from "./work-dir";

export type JobOffer = Extract<HubMessage, { type: "job.offer" }>;
export type RunnerSettings = Pick<RunPythonOptions, "python" | "module" | "pythonPath" | "env">;

export type JobExecutionOptions = {
  offer: JobOffer;
  send: (message: NodeMessage) => boolean;
  sendText: (text: string) => boolean;
  edge: EdgeHttp;
  workDir: WorkDir;
  runner: RunnerSettings;
  log: (line: string) => void;
  onProgress?: (progress: JobProgress) => void;
  progressIntervalMs?: number;
};

export type JobOutcome = "succeeded" | "failed" | "cancelled";

type GpuCommand = "train" | "eval" | "infer";
/** What a node sends in `job.result`, per job kind. */
export type NodeJobResult = NodeTrainResult | NodeEvalResult | NodeInferResult;

/** Errors that a retry on this (or another) node would only repeat: the job fails at once. */
const FINAL_ERROR_CODES = new Set(["result.invalid", "node.offer_invalid"]);

export class JobExecution {
  readonly jobId: string;
  readonly leaseId: string;
  readonly shard: number;
  private readonly abort = new AbortController();
  private readonly uploader: ChunkUploader;
  private finalText: string | null = null;
  private finalAcked: (() => void) | null = null;
  private progress: JobProgress = { done: 0, total: null };
  private progressDirty = false;
  private skippedPredictions = 0;

  constructor(private readonly options: JobExecutionOptions) {
    this.jobId = options.offer.job_id;
    this.leaseId = options.offer.lease_id;
    this.shard = options.offer.shard.index;
    this.uploader = new ChunkUploader({
      jobId: this.jobId,
      leaseId: this.leaseId,
      shard: this.shard,
      sendText: options.sendText,
      onAcked: () => {
        if (options.offer.kind !== "train")
          this.setProgress({ done: this.skippedPredictions + this.uploader.acknowledged });
      },
    });
  }

  cancel(reason: string): void {
    this.options.log(`job ${this.jobId}: cancelled (${reason})`);
    this.abort.abort(reason);
    this.finalAcked?.();
  }

  get cancelled(): boolean {
    return this.abort.signal.aborted;
  }

  onChunkAck(chunkIndex: number): void {
    this.uploader.ack(chunkIndex);
  }

  onResultAck(): void {
    this.finalAcked?.();
  }

  /** After a reconnect: resend what the hub may not have received. */
  resend(): void {
    this.uploader.resendAll();
    if (this.finalText) this.options.sendText(this.finalText);
  }

  async run(): Promise<JobOutcome> {
    const { offer } = this.options;
    const dir = this.options.workDir.jobDir(this.jobId, this.shard);
    await mkdir(dir, { recursive: true });
    const timer = setInterval(() => this.flushProgress(), this.options.progressIntervalMs ?? 500);
    try {
      let prepared: { job: PythonJobFile; chunkOffset: number; acknowledged: Set<number> };
      try {
        prepared = await this.prepare(dir);
      } catch (error) {
        if (this.cancelled) return "cancelled";
        const code = codeOf(error, "node.prepare");
        return await this.fail(code, (error as Error).message, !FINAL_ERROR_CODES.has(code));
      }
      const outcome = await runPython({
        ...this.options.runner,
        command: offer.kind as GpuCommand,
        job: prepared.job,
        dir,
        signal: this.abort.signal,
        onEvent: (event) =>
          this.onEvent(event, prepared.chunkOffset, prepared.acknowledged, join(dir, "out")),
        onLog: (line) => this.options.log(`job ${this.jobId}: ${line}`),
      });
      if (outcome.cancelled || this.cancelled) return "cancelled";
      if (outcome.exitCode !== 0) {
        const detail = outcome.error?.message ?? outcome.stderrTail.slice(-5).join("\n");
        return await this.fail(
          outcome.error?.code ?? "python.exit",
          `python ${offer.kind} exited with ${outcome.exitCode ?? outcome.signal}: ${detail}`,
          false,
        );
      }
      if (!outcome.result)
        return await this.fail(
          "result.invalid",
          `python ${offer.kind} exited 0 without a result.json`,
          false,
        );
      const result = await this.nodeResult(outcome.result, outcome.outDir, dir);
      await this.uploader.drain();
      this.flushProgress();
      await this.finish({ type: "job.result", job_id: this.jobId, lease_id: this.leaseId, result });
      return "succeeded";
    } catch (error) {
      if (this.cancelled) return "cancelled";
      const code = codeOf(error, "node.error");
      return await this.fail(code, (error as Error).message, !FINAL_ERROR_CODES.has(code));
    } finally {
      clearInterval(timer);
    }
  }

  /**
   * Turns Python's validated result into what the hub takes for this kind: a train job's model folder
   * is uploaded, an eval job's predictions go up as chunks and its lexical baseline travels inline.
   */
  private async nodeResult(
    result: PythonResultOf<GpuCommand>,
    outDir: string,
    dir: string,
  ): Promise<NodeJobResult> {
    const what = `${result.command} result of job ${this.jobId}`;
    if (result.command === "train") {
      const modelId = this.options.offer.context.output_model_id;
      if (!modelId) throw new DistilleryError("node.offer_invalid", "the train offer has no output_model_id");
      const { command: _command, job_id: _jobId, model_dir, ...trained } = result;
      const uploaded = await this.options.edge.uploadArtifact(
        modelId,
        this.options.offer.lease_id,
        inOut(outDir, model_dir),
        dir,
      );
      const artifact = { sha256: uploaded.sha256, bytes: uploaded.bytes };
      return parseOrThrow(nodeTrainResultSchema, { ...trained, artifact }, "result.invalid", what);
    }
    if (result.command === "eval") {
      const { command: _command, job_id: _jobId, predictions, lexical_baseline, ...evaluated } = result;
      // The package's eval writes one predictions file (no chunk events): it travels as chunks here.
      if (this.uploader.enqueued === 0)
        await this.enqueuePredictionsFile(
          inOut(outDir, predictions),
          new Set(this.options.offer.acknowledged_chunks),
        );
      const lexical = lexical_baseline
        ? await readPredictions(inOut(outDir, lexical_baseline), "the lexical baseline")
        : null;
      return parseOrThrow(
        nodeEvalResultSchema,
        { ...evaluated, lexical_baseline: lexical },
        "result.invalid",
        what,
      );
    }
    const { command: _command, job_id: _jobId, ...scored } = result;
    return parseOrThrow(nodeInferResultSchema, scored, "result.invalid", what);
  }

  private async prepare(dir: string) {
    const { offer, edge, workDir } = this.options;
    const context = offer.context;
    const input = async (name: string) => {
      const ref = context.inputs[name];
      if (!ref)
        throw new DistilleryError("node.offer_invalid", `the ${offer.kind} offer has no input "${name}"`);
      return edge.download(ref, workDir.cacheDir);
    };
    const modelDir = async () => {
      if (!context.model)
        throw new DistilleryError("node.offer_invalid", `the ${offer.kind} offer names no model`);
      return edge.downloadModel(context.model, workDir.modelsDir);
    };
    const acknowledged = new Set(offer.acknowledged_chunks);
    if (offer.spec.kind === "train") {
      if (!context.filter || !context.student) {
        throw new DistilleryError("node.offer_invalid", "the train offer has no filter or student settings");
      }
      const [train, validation] = [await input("train"), await input("validation")];
      this.setProgress({ done: 0, total: null });
      const job: PythonJobFile = {
        command: "train",
        job_id: this.jobId,
        filter: context.filter,
        student: context.student,
        data: { train: train.path, validation: validation.path },
        checkpoint_every_steps: 200,
        early_stopping_patience: offer.spec.early_stopping_patience,
        device: jobDevice(context.student.kind),
        load_in_4bit: false,
      };
      return { job, chunkOffset: 0, acknowledged };
    }
    if (offer.kind === "eval") {
      // The train split is for the lexical baseline, fitted on the same data as the student.
      const [test, train, model] = [await input("test"), await input("train"), await modelDir()];
      this.setProgress({ done: 0, total: test.lines });
      const job: PythonJobFile = {
        command: "eval",
        job_id: this.jobId,
        model_dir: model,
        data: { test: test.path, train: train.path },
        batch_tokens: 16_384,
        device: jobDevice(context.model?.kind),
      };
      return { job, chunkOffset: 0, acknowledged };
    }
    const [rows, model] = [await input("input"), await modelDir()];
    const chunkSize = context.chunk_size ?? 1_000;
    // Resume after the longest run of chunks the hub already holds; later ones are skipped when sent.
    let chunkOffset = 0;
    while (acknowledged.has(chunkOffset)) chunkOffset += 1;
    let inputPath = rows.path;
    if (chunkOffset > 0) {
      inputPath = join(dir, "input-remaining.ndjson");
      await skipLines(rows.path, inputPath, chunkOffset * chunkSize);
    }
    this.skippedPredictions = Math.min(rows.lines, chunkOffset * chunkSize);
    this.setProgress({ done: this.skippedPredictions, total: rows.lines });
    const job: PythonJobFile = {
      command: "infer",
      job_id: this.jobId,
      model_dir: model,
      input: inputPath,
      chunk_size: chunkSize,
      batch_tokens: 16_384,
      max_new_tokens: 512,
      // A cascade scoring job's intervals are drawn at its coverage; otherwise the model's default.
      ...(offer.spec.kind === "infer" && offer.spec.cascade ? { coverage: offer.spec.cascade.coverage } : {}),
      device: jobDevice(context.model?.kind),
    };
    return { job, chunkOffset, acknowledged };
  }

  private onEvent(event: PythonEvent, chunkOffset: number, acknowledged: Set<number>, outDir: string): void {
    if (event.event === "progress") {
      this.setProgress({
        done: event.step,
        total: event.total,
        step: event.step,
        loss: event.loss,
        examples_per_s: event.examples_per_s,
        tokens_per_s: event.tokens_per_s,
        eta_s: event.eta_s,
        gpu_mem_gb: event.gpu_mem_gb,
        step_time_s: event.step_time_s,
        mfu: event.mfu,
      });
    } else if (event.event === "chunk") {
      const index = event.index + chunkOffset;
      if (acknowledged.has(index)) {
        this.skippedPredictions += event.count;
        return;
      }
      this.uploader.enqueue(index, isAbsolute(event.path) ? event.path : join(outDir, event.path));
    } else if (event.event === "log") {
      this.options.log(`job ${this.jobId}: ${event.message}`);
    }
  }

  /**
   * The package's `eval` writes one `predictions.jsonl` (no chunk events): it is checked line by line
   * and cut into chunks of 1,000 here, so it travels and is acknowledged like a scoring job's chunks.
   */
  private async enqueuePredictionsFile(path: string, acknowledged: Set<number>): Promise<void> {
    await readPredictions(path, "the student's eval predictions");
    const lines = (await readFile(path, "utf8")).split("\n").filter((line) => line.trim() !== "");
    for (let index = 0; index * 1_000 < lines.length; index++) {
      if (acknowledged.has(index)) continue;
      const chunkPath = join(dirname(path), `upload-chunk-${String(index).padStart(6, "0")}.jsonl`);
      await writeFile(chunkPath, `${lines.slice(index * 1_000, (index + 1) * 1_000).join("\n")}\n`);
      this.uploader.enqueue(index, chunkPath);
    }
  }

  private setProgress(update: Partial<JobProgress>): void {
    this.progress = { ...this.progress, ...update };
    this.progressDirty = true;
    this.options.onProgress?.(this.progress);
  }

  private flushProgress(): void {
    if (!this.progressDirty) return;
    this.progressDirty = false;
    this.options.send({
      type: "job.progress",
      job_id: this.jobId,
      lease_id: this.leaseId,
      progress: this.progress,
    });
  }

  private async fail(code: string, message: string, retryable: boolean): Promise<JobOutcome> {
    this.options.log(`job ${this.jobId}: failed: ${code}: ${message}`);
    await this.finish({
      type: "job.failed",
      job_id: this.jobId,
      lease_id: this.leaseId,
      code,
      message,
      retryable,
    });
    return "failed";
  }

  /** Sends the final message and waits for the hub's acknowledgement (resent after reconnects). */
  private finish(message: NodeMessage): Promise<void> {
    this.finalText = JSON.stringify(message);
    return new Promise((resolve) => {
      this.finalAcked = resolve;
      this.options.sendText(this.finalText!);
      if (this.cancelled) resolve();
    });
  }
}

function codeOf(error: unknown, fallback: string): string {
  return error instanceof DistilleryError ? error.code : fallback;
}

/** A path Python named in its result: absolute, or relative to its `--out` folder. */
function inOut(outDir: string, path: string): string {
  return isAbsolute(path) ? path : join(outDir, path);
}

/** A file of `prediction` lines, each validated (`result.invalid` names the line and the field). */
export async function readPredictions(path: string, what: string): Promise<Prediction[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new DistilleryError("result.invalid", `${what}: cannot read ${path}: ${(error as Error).message}`);
  }
  const predictions: Prediction[] = [];
  for (const [index, line] of text.split("\n").entries()) {
    if (line.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new DistilleryError("result.invalid", `${what}: line ${index + 1} of ${path} is not JSON`);
    }
    predictions.push(parseOrThrow(predictionSchema, value, "result.invalid", `${what}, line ${index + 1}`));
  }
  return predictions;
}

async function skipLines(from: string, to: string, count: number): Promise<void> {
  const out = createWriteStream(to);
  let seen = 0;
  for await (const line of createInterface({
    input: createReadStream(from),
    crlfDelay: Number.POSITIVE_INFINITY,
  })) {
    if (seen++ >= count && line.trim() !== "") {
      if (!out.write(`${line}\n`)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
    }
  }
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
}
