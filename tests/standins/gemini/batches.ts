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
  requests: BatchRequest[];
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
    let requests: BatchRequest[] = input.requests?.requests ?? [];
    const fromFile = typeof input.fileName === "string";
    if (fromFile) {
      const file = this.files.get(String(input.fileName).replace(/^files\//, ""));
      const lines = file ? file.bytes.toString("utf8").split("\n") : [];
      requests = lines.filter((l) => l.trim()).map((l) => JSON.parse(l) as BatchRequest);
    }
    const now = new Date().toISOString();
    const id = randomUUID().replaceAll("-", "").slice(0, 16);
    const created: Batch = {
      id,
      model: `models/${model}`,
      displayName: String(batch.displayName ?? id),
      requests,
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
    const { faults, stats, cache } = this.options;
    const model = batch.model.replace(/^models\//, "");
    batch.results = batch.requests.map((item) => {
      const { key } = splitPrompt(item.request);
      let fault = faults.next();
      if (fault === "hang" || fault === "slow") fault = fault === "hang" ? "server_error" : null;
      const end = stats.begin(key, fault);
      end();
      const failure = fault ? transportError(fault, faults.current.retryAfterS) : null;
      const where = batch.fromFile ? { key: item.key } : { metadata: item.metadata };
      if (failure) return { ...where, error: (failure.body as { error: unknown }).error };
      const response = generateAnswer(item.request, model, fault, cache);
      stats.answered(key, fault === null);
      return { ...where, response };
    });
    if (batch.fromFile) {
      const lines = batch.results.map((r) => JSON.stringify(r)).join("\n");
      const file = this.storeFile(Buffer.from(`${lines}\n`), "application/jsonl", `${batch.id}-results`);
      batch.responsesFile = String(file.name);
    }
    batch.state = "BATCH_STATE_SUCCEEDED";
    batch.endTime = new Date().toISOString();
  }

  private operation(batch: Batch): unknown {
    const failed = (batch.results ?? []).filter((r) => r.error).length;
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
      batchStats: {
        requestCount: String(batch.requests.length),
        successfulRequestCount: String(done ? batch.requests.length - failed : 0),
        failedRequestCount: String(failed),
        pendingRequestCount: String(done ? 0 : batch.requests.length),
      },
      ...(output ? { output } : {}),
    };
    return { name: `batches/${batch.id}`, metadata, ...(done ? { done: true, response: metadata } : {}) };
  }
}
