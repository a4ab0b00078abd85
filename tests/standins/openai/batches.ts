/**
 * @module
 * OpenAI's Batch API and the Files API it reads from, in the OpenAI-compatible stand-in. An input file
 * (JSONL of `{ custom_id, method, url, body }`, uploaded with purpose `batch`) becomes a batch that is
 * `validating`, then `in_progress`, and completes after `pollsToComplete` retrieves (deterministic, no
 * timers; 0: done at creation). Completing runs each line through the same checks, faults and
 * answers as `POST /v1/chat/completions`: 200 answers go to the output file, refusals and transport
 * faults (their status and error body) to the error file, as `{ id, custom_id, response, error }`.
 */
import { randomUUID } from "node:crypto";
import type { FaultPicker } from "../gemini/faults";
import type { StandinStats } from "../gemini/stats";
import {
  buildCompletion,
  type ChatCompletionRequest,
  type CompletionContext,
  requestError,
  splitMessages,
} from "./completion";
import { invalidRequest, type OpenAIError, openAIError, transportError } from "./errors";

const ENDPOINT = "/v1/chat/completions";

type StoredFile = { meta: Record<string, unknown>; bytes: Buffer };
type InputLine = { custom_id?: string; method?: string; url?: string; body?: ChatCompletionRequest };
type Batch = Record<string, unknown> & { id: string; status: string; input_file_id: string; polls: number };

type BatchStoreOptions = {
  faults: FaultPicker;
  stats: StandinStats;
  context: CompletionContext;
  pollsToComplete: number;
};

const shortId = () => randomUUID().replaceAll("-", "").slice(0, 24);
const now = () => Math.floor(Date.now() / 1000);

/** The stand-in's files and batches; each method answers `[status, body]`. */
export class OpenAIBatchStore {
  private readonly files = new Map<string, StoredFile>();
  private readonly batches = new Map<string, Batch>();

  constructor(private readonly options: BatchStoreOptions) {}

  /** `POST /v1/files` (multipart `file`, `purpose`). */
  upload(bytes: Buffer | null, filename: string, purpose: string): Record<string, unknown> | OpenAIError {
    if (!bytes) return invalidRequest("Missing required parameter: 'file'.", "file");
    if (!["batch", "assistants", "fine-tune", "vision", "user_data", "evals"].includes(purpose)) {
      return invalidRequest(`Invalid value for 'purpose': '${purpose}'.`, "purpose", "invalid_value");
    }
    return this.store(bytes, filename, purpose);
  }

  private store(bytes: Buffer, filename: string, purpose: string): Record<string, unknown> {
    const meta = {
      id: `file-${shortId()}`,
      object: "file",
      bytes: bytes.length,
      created_at: now(),
      filename,
      purpose,
      status: "processed",
      status_details: null,
    };
    this.files.set(meta.id, { meta, bytes });
    return meta;
  }

  file(id: string): StoredFile | OpenAIError {
    return this.files.get(id) ?? openAIError(404, `No such File object: ${id}`, { param: "id" });
  }

  /** `POST /v1/batches`. */
  create(request: {
    input_file_id?: string;
    endpoint?: string;
    completion_window?: string;
    metadata?: Record<string, string> | null;
  }): Record<string, unknown> | OpenAIError {
    const input = this.files.get(request.input_file_id ?? "");
    if (!input) return openAIError(404, `No such File object: ${request.input_file_id}`);
    if (input.meta.purpose !== "batch") {
      return invalidRequest("The input file must be uploaded with purpose 'batch'.", "input_file_id");
    }
    if (request.endpoint !== ENDPOINT) {
      return invalidRequest(`Unsupported endpoint '${request.endpoint}'.`, "endpoint", "invalid_value");
    }
    if (request.completion_window !== "24h") {
      return invalidRequest("completion_window must be '24h'.", "completion_window", "invalid_value");
    }
    const created = now();
    const batch: Batch = {
      id: `batch_${shortId()}`,
      object: "batch",
      endpoint: ENDPOINT,
      errors: null,
      input_file_id: input.meta.id as string,
      completion_window: "24h",
      status: "validating",
      output_file_id: null,
      error_file_id: null,
      created_at: created,
      in_progress_at: null,
      expires_at: created + 86_400,
      finalizing_at: null,
      completed_at: null,
      failed_at: null,
      expired_at: null,
      cancelling_at: null,
      cancelled_at: null,
      request_counts: { total: 0, completed: 0, failed: 0 },
      metadata: request.metadata ?? null,
      polls: 0,
    };
    this.batches.set(batch.id, batch);
    if (this.options.pollsToComplete === 0) this.complete(batch);
    return view(batch);
  }

  /** `GET /v1/batches/{id}`: each retrieve of an open batch moves it on. */
  retrieve(id: string): Record<string, unknown> | OpenAIError {
    const batch = this.batches.get(id);
    if (!batch) return openAIError(404, `No batch found with id '${id}'.`);
    if (batch.status === "validating" || batch.status === "in_progress") {
      batch.polls += 1;
      if (batch.polls >= this.options.pollsToComplete) this.complete(batch);
      else {
        batch.status = "in_progress";
        batch.in_progress_at ??= now();
      }
    }
    return view(batch);
  }

  /** `POST /v1/batches/{id}/cancel`: an open batch ends `cancelled` without output. */
  cancel(id: string): Record<string, unknown> | OpenAIError {
    const batch = this.batches.get(id);
    if (!batch) return openAIError(404, `No batch found with id '${id}'.`);
    if (batch.status === "validating" || batch.status === "in_progress") {
      batch.cancelling_at = now();
      batch.cancelled_at = now();
      batch.status = "cancelled";
    }
    return view(batch);
  }

  private complete(batch: Batch) {
    const input = this.files.get(batch.input_file_id) as StoredFile;
    const lines = input.bytes
      .toString("utf8")
      .split("\n")
      .filter((line) => line.trim());
    const output: string[] = [];
    const errors: string[] = [];
    for (const text of lines) {
      const [ok, line] = this.answer(text);
      (ok ? output : errors).push(JSON.stringify(line));
    }
    batch.in_progress_at ??= now();
    batch.finalizing_at = now();
    batch.completed_at = now();
    batch.status = "completed";
    batch.request_counts = { total: lines.length, completed: output.length, failed: errors.length };
    if (output.length > 0) batch.output_file_id = this.jsonl(output, `${batch.id}_output.jsonl`);
    if (errors.length > 0) batch.error_file_id = this.jsonl(errors, `${batch.id}_error.jsonl`);
  }

  private jsonl(lines: string[], filename: string): string {
    return this.store(Buffer.from(`${lines.join("\n")}\n`), filename, "batch_output").id as string;
  }

  /** One input line's result line, and whether it answered 200. */
  private answer(text: string): [boolean, unknown] {
    const { faults, stats, context } = this.options;
    const id = `batch_req_${shortId()}`;
    let line: InputLine;
    try {
      line = JSON.parse(text) as InputLine;
    } catch {
      return [
        false,
        {
          id,
          custom_id: null,
          response: null,
          error: { code: "invalid_json", message: "Line is not JSON." },
        },
      ];
    }
    const custom_id = line.custom_id ?? null;
    const failed = (error: OpenAIError): [boolean, unknown] => [
      false,
      {
        id,
        custom_id,
        response: { status_code: error.status, request_id: shortId(), body: error.body },
        error: null,
      },
    ];
    if (line.method !== "POST" || line.url !== ENDPOINT || !line.body) {
      return failed(invalidRequest(`Each line must POST a body to ${ENDPOINT}.`, "url"));
    }
    const { key } = splitMessages(line.body);
    const refused = requestError(line.body, context);
    if (refused) {
      stats.begin(key, null)();
      return failed(refused);
    }
    const fault = faults.next();
    const finish = stats.begin(key, fault);
    try {
      // A batch has no connection to hang up: a hang is the server error it would end as.
      const failure =
        fault === "hang" ? transportError("server_error", 0) : fault ? transportError(fault, 0) : null;
      if (failure) return failed(failure);
      const answer = buildCompletion(line.body, fault, context);
      stats.answered(key, answer.usable);
      return [
        true,
        {
          id,
          custom_id,
          response: { status_code: 200, request_id: shortId(), body: answer.body },
          error: null,
        },
      ];
    } finally {
      finish();
    }
  }
}

function view(batch: Batch): Record<string, unknown> {
  const { polls: _polls, ...body } = batch;
  return body;
}
