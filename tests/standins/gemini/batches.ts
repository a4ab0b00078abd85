/**
 * @module
 * Batch Mode of the Gemini stand-in. A batch is created PENDING, runs on the first poll and
 * succeeds after `pollsToComplete` polls (deterministic, no timers), answering each request as
 * `generateContent` would, faults included: a transport fault becomes the request's `error`. Inline
 * input answers in `output.inlinedResponses.inlinedResponses`; file input (`files/…` uploaded as JSONL
 * lines `{ key, request }`) answers in a `responsesFile` of `{ key, response | error }` lines.
 */
import { randomUUID } from "node:crypto";
import type { FaultPicker } from "./faults";
import {
  type AnswerContext,
  type GenerateContentRequest,
  generateAnswer,
  requestError,
  splitPrompt,
  transportError,
} from "./generate";
import type { StandinStats } from "./stats";

type BatchRequest = { request: GenerateContentRequest; metadata?: Record<string, unknown>; key?: string };
type BatchResult = { response?: unknown; error?: unknown; metadata?: Record<string, unknown>; key?: string };

type Batch = {
  id: string;
  model: string;
  displayName: string;
  /** Inline requests; a file batch reads its `inputFile` when it runs, so large inputs are held once. */
  requests: BatchRequest[];
  inputFile?: string;
  requestCount: number;
  failedCount: number;
  fromFile: boolean;
  state: string;
  polls: number;
  createTime: string;
  updateTime: string;
  endTime?: string;
  results?: BatchResult[];
  responsesFile?: string;
};

export type StoredFile = { meta: Record<string, unknown>; bytes: Buffer };

type BatchStoreOptions = {
  faults: FaultPicker;
  stats: StandinStats;
  cache: AnswerContext;
  pollsToComplete: number;
};

export class BatchStore {
  readonly files = new Map<string, StoredFile>();
  readonly pendingUploads = new Map<
    string,
    { meta: { displayName?: string }; mimeType: string; chunks: Buffer[] }
  >();
  private batches = new Map<string, Batch>();

  constructor(private readonly options: BatchStoreOptions) {}

  storeFile(bytes: Buffer, mimeType: string, displayName?: string): Record<string, unknown> {
    const id = randomUUID().replaceAll("-", "").slice(0, 12);
    const now = new Date().toISOString();
    const meta = {
      name: `files/${id}`,
      displayName: displayName ?? id,
      mimeType,
      sizeBytes: String(bytes.length),
      createTime: now,
      updateTime: now,
      state: "ACTIVE",
      source: "UPLOADED",
    };
    this.files.set(id, { meta, bytes });
    return meta;
  }

  create(model: string, batch: Record<string, unknown>): unknown {
    const input = (batch.inputConfig ?? {}) as {
      requests?: { requests?: BatchRequest[] };
      fileName?: string;
    };
    const requests: BatchRequest[] = input.requests?.requests ?? [];
    const fromFile = typeof input.fileName === "string";
    const inputFile = fromFile ? String(input.fileName).replace(/^files\//, "") : undefined;
    const file = inputFile ? this.files.get(inputFile) : undefined;
    if (inputFile && !file) throw new Error(`File files/${inputFile} not found.`);
    const now = new Date().toISOString();
    const id = randomUUID().replaceAll("-", "").slice(0, 16);
    const created: Batch = {
      id,
      model: `models/${model}`,
      displayName: String(batch.displayName ?? id),
      requests,
      ...(inputFile ? { inputFile } : {}),
      requestCount: file ? countLines(file.bytes) : requests.length,
      failedCount: 0,
      fromFile,
      state: "BATCH_STATE_PENDING",
      polls: 0,
      createTime: now,
      updateTime: now,
    };
    this.batches.set(id, created);
    if (this.options.pollsToComplete <= 0) this.finish(created);
    return this.operation(created);
  }

  get(id: string): unknown {
    const batch = this.batches.get(id);
    if (!batch) return undefined;
    if (batch.state === "BATCH_STATE_PENDING" || batch.state === "BATCH_STATE_RUNNING") {
      batch.polls += 1;
      batch.state = "BATCH_STATE_RUNNING";
      batch.updateTime = new Date().toISOString();
      if (batch.polls >= this.options.pollsToComplete) this.finish(batch);
    }
    return this.operation(batch);
  }

  cancel(id: string): unknown {
    const batch = this.batches.get(id);
    if (!batch) return undefined;
    if (batch.state === "BATCH_STATE_PENDING" || batch.state === "BATCH_STATE_RUNNING") {
      batch.state = "BATCH_STATE_CANCELLED";
      batch.endTime = new Date().toISOString();
    }
    return {};
  }

  remove(id: string): unknown {
    return this.batches.delete(id) ? {} : undefined;
  }

  private finish(batch: Batch) {
    const model = batch.model.replace(/^models\//, "");
    if (batch.inputFile) {
      // Line by line into a results file: a file batch of tens of MB never becomes objects all at once.
      const input = this.files.get(batch.inputFile)?.bytes ?? Buffer.alloc(0);
      const lines: string[] = [];
      for (const line of jsonlLines(input)) {
        const result = this.answer(JSON.parse(line) as BatchRequest, model, { key: undefined });
        lines.push(JSON.stringify(result));
        if (result.error) batch.failedCount += 1;
      }
      const file = this.storeFile(
        Buffer.from(`${lines.join("\n")}\n`),
        "application/jsonl",
        `${batch.id}-results`,
      );
      batch.responsesFile = String(file.name);
      batch.results = [];
    } else {
      batch.results = batch.requests.map((item) => this.answer(item, model, { metadata: item.metadata }));
      batch.failedCount = batch.results.filter((r) => r.error).length;
      batch.requests = [];
    }
    batch.state = "BATCH_STATE_SUCCEEDED";
    batch.endTime = new Date().toISOString();
  }

  /** One request answered as `generateContent` would, a transport fault becoming its `error`. */
  private answer(item: BatchRequest, model: string, where: Partial<BatchResult>): BatchResult {
    const { faults, stats, cache } = this.options;
    const { key } = splitPrompt(item.request);
    let fault = faults.next();
    if (fault === "hang" || fault === "slow") fault = fault === "hang" ? "server_error" : null;
    const end = stats.begin(key, fault);
    end();
    const failure =
      requestError(item.request, model) ?? (fault ? transportError(fault, faults.current.retryAfterS) : null);
    const tagged = where.metadata !== undefined ? { metadata: where.metadata } : { key: item.key };
    if (failure) return { ...tagged, error: (failure.body as { error: unknown }).error };
    const response = generateAnswer(item.request, model, fault, cache);
    stats.answered(key, fault === null);
    return { ...tagged, response };
  }

  private operation(batch: Batch): unknown {
    const failed = batch.failedCount;
    const done = batch.results !== undefined;
    const output = !done
      ? undefined
      : batch.fromFile
        ? { responsesFile: batch.responsesFile }
        : { inlinedResponses: { inlinedResponses: batch.results } };
    const metadata = {
      "@type": "type.googleapis.com/google.ai.generativelanguage.v1beta.GenerateContentBatch",
      name: `batches/${batch.id}`,
      model: batch.model,
      displayName: batch.displayName,
      createTime: batch.createTime,
      updateTime: batch.updateTime,
      ...(batch.endTime ? { endTime: batch.endTime } : {}),
      state: batch.state,
      ...(batch.inputFile ? { inputConfig: { fileName: `files/${batch.inputFile}` } } : {}),
      batchStats: {
        requestCount: String(batch.requestCount),
        successfulRequestCount: String(done ? batch.requestCount - failed : 0),
        failedRequestCount: String(failed),
        pendingRequestCount: String(done ? 0 : batch.requestCount),
      },
      ...(output ? { output } : {}),
    };
    return { name: `batches/${batch.id}`, metadata, ...(done ? { done: true, response: metadata } : {}) };
  }
}

/** The non-empty lines of a JSONL buffer, decoded one at a time. */
function* jsonlLines(bytes: Buffer): Generator<string> {
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    if (end < 0) end = bytes.length;
    const line = bytes.toString("utf8", start, end).trim();
    if (line) yield line;
    start = end + 1;
  }
}

function countLines(bytes: Buffer): number {
  let count = 0;
  for (const _ of jsonlLines(bytes)) count += 1;
  return count;
}
