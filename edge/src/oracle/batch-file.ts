/**
 * @module
 * Batch Mode input and output files through Gemini's Files API, for jobs too big for an inline batch
 * (the whole inline request must stay under 20 MB). Input: JSONL lines `{ key, request }` (built by
 * `oracleBatchLine`) collected into files cut by bytes and by requests, each uploaded with the SDK's
 * resumable uploader and submitted as one batch (`src: "files/…"`). Output: the `dest.fileName` JSONL
 * of `{ key, response }` / `{ key, error }` lines, read line by line from the download endpoint so a
 * results file of tens of MB is never one string.
 */
import { DistilleryError } from "@distillery/shared";
import type { GoogleGenAI } from "@google/genai";
import type { OracleSettings } from "./config";

/** Requests in one input file at most, whatever their size: bounds the outcomes one cron run ingests. */
export const FILE_MAX_REQUESTS = 10_000;
/** Where the Gemini Developer API lives when no base URL (stand-in or proxy) is configured. */
const GEMINI_API_URL = "https://generativelanguage.googleapis.com";

/** One input file being filled: encoded lines and the article ids they carry, in order. */
export type BatchFile = { parts: Uint8Array[]; ids: string[]; bytes: number };

export type BatchFileLimits = { maxBytes: number; maxRequests: number };

const encoder = new TextEncoder();

/**
 * Collects JSONL lines into files no bigger than `limits`; `add` returns the file it completed, if
 * the new line did not fit in it (the line then starts the next file).
 * @example
 * const files = new BatchFileBuilder({ maxBytes: 32 << 20, maxRequests: FILE_MAX_REQUESTS });
 * const full = files.add(id, oracleBatchLine(filter, text, id));
 * if (full) await submit(full);
 * const last = files.finish();
 */
export class BatchFileBuilder {
  private current: BatchFile = { parts: [], ids: [], bytes: 0 };
  /** Lines and bytes added over the builder's life. */
  totalBytes = 0;

  constructor(private readonly limits: BatchFileLimits) {}

  add(key: string, line: unknown): BatchFile | null {
    const bytes = encoder.encode(`${JSON.stringify(line)}\n`);
    const full =
      this.current.ids.length > 0 &&
      (this.current.bytes + bytes.length > this.limits.maxBytes ||
        this.current.ids.length >= this.limits.maxRequests)
        ? this.take()
        : null;
    this.current.parts.push(bytes);
    this.current.ids.push(key);
    this.current.bytes += bytes.length;
    this.totalBytes += bytes.length;
    return full;
  }

  /** The last, partly filled file (null when empty). */
  finish(): BatchFile | null {
    return this.current.ids.length > 0 ? this.take() : null;
  }

  private take(): BatchFile {
    const file = this.current;
    this.current = { parts: [], ids: [], bytes: 0 };
    return file;
  }
}

/** Uploads `file` as JSONL (the SDK's web uploader: resumable, 8 MB chunks); the parts are released. */
export async function uploadBatchFile(
  ai: GoogleGenAI,
  file: BatchFile,
  displayName: string,
): Promise<string> {
  const blob = new Blob(file.parts, { type: "application/jsonl" });
  file.parts = [];
  const uploaded = await ai.files.upload({
    file: blob,
    config: { mimeType: "application/jsonl", displayName },
  });
  if (!uploaded.name) throw new Error("the Files API answered without a file name");
  return uploaded.name;
}

/**
 * The lines of a results file, streamed. The SDK's `files.download` writes to a local path and its web
 * build (the one workerd loads) throws, so this fetches the REST download endpoint itself.
 */
export async function* batchResultLines(settings: OracleSettings, fileName: string): AsyncGenerator<string> {
  const base = (settings.baseUrl ?? GEMINI_API_URL).replace(/\/$/, "");
  const response = await fetch(`${base}/download/v1beta/${fileName}:download?alt=media`, {
    headers: { "x-goog-api-key": settings.apiKey ?? "local-standin" },
  });
  if (!response.ok || !response.body) {
    throw new DistilleryError(
      "oracle.batch_download_failed",
      `downloading ${fileName} answered ${response.status}: ${(await response.text()).slice(0, 200)}`,
    );
  }
  yield* jsonlLines(response.body);
}

/** The non-empty lines of a JSONL stream, decoded as they arrive. */
export async function* jsonlLines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let pending = "";
  for await (const chunk of body.pipeThrough(new TextDecoderStream())) {
    const lines = (pending + chunk).split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) if (line.trim()) yield line;
  }
  if (pending.trim()) yield pending.trim();
}
