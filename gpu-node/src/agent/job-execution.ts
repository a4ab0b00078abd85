/**
 * @module
 * One leased job (shard) on this node, from offer to result: downloads its inputs and model, writes the
 * Python job file, runs Python through the job runner, forwards progress, uploads prediction chunks
 * (skipping the ones the hub already holds), uploads a trained adapter, and sends `job.result` or
 * `job.failed` until the hub acknowledges it. Cancelling kills the Python process group.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, join } from "node:path";
import { createInterface } from "node:readline";
import type { HubMessage, JobProgress, NodeMessage, PythonEvent, PythonJobFile } from "@distillery/shared";
import { DistilleryError } from "@distillery/shared";
import { type RunPythonOptions, runPython } from "../runner/index";
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
        return await this.fail(codeOf(error, "node.prepare"), (error as Error).message, true);
      }
      const outcome = await runPython({
        ...this.options.runner,
        command: offer.kind as "train" | "eval" | "infer",
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
      if (
        offer.kind === "eval" &&
        this.uploader.enqueued === 0 &&
        typeof outcome.result?.predictions === "string"
      ) {
        await this.enqueuePredictionsFile(
          join(outcome.outDir, outcome.result.predictions),
          new Set(offer.acknowledged_chunks),
        );
      }
      await this.uploader.drain();
      const result: Record<string, unknown> = { ...outcome.result };
      if (offer.kind === "train") {
        const modelId = offer.context.output_model_id;
        if (!modelId)
          return await this.fail("node.offer_invalid", "train offer has no output_model_id", false);
        // The package names the trained model's folder `model_dir` (its out dir); the stub `adapter_dir`.
        const adapterDir = String(outcome.result?.adapter_dir ?? outcome.result?.model_dir ?? "adapter");
        const adapterPath = isAbsolute(adapterDir) ? adapterDir : join(outcome.outDir, adapterDir);
        result.artifact = await this.options.edge.uploadArtifact(modelId, adapterPath, dir);
      }
      this.flushProgress();
      await this.finish({ type: "job.result", job_id: this.jobId, lease_id: this.leaseId, result });
      return "succeeded";
    } catch (error) {
      if (this.cancelled) return "cancelled";
      return await this.fail(codeOf(error, "node.error"), (error as Error).message, true);
    } finally {
      clearInterval(timer);
    }
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
        device: "auto",
        load_in_4bit: false,
      };
      return { job, chunkOffset: 0, acknowledged };
    }
    if (offer.kind === "eval") {
      const [test, model] = [await input("test"), await modelDir()];
      this.setProgress({ done: 0, total: test.lines });
      const job: PythonJobFile = {
        command: "eval",
        job_id: this.jobId,
        model_dir: model,
        data: { test: test.path },
        batch_tokens: 16_384,
        device: "auto",
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
      device: "auto",
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
   * The package's `eval` writes one `predictions.jsonl` (no chunk events): it is cut into chunks of
   * 1,000 here, so it travels and is acknowledged like a scoring job's chunks.
   */
  private async enqueuePredictionsFile(path: string, acknowledged: Set<number>): Promise<void> {
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
