/**
 * @module
 * NDJSON ingestion shared by `POST /v1/articles/ndjson` (a streamed request body) and import jobs (an
 * R2 object read in chunks): lines are read as they arrive, never buffered whole; each line is
 * decoded (strict UTF-8) and validated on its own; valid lines are stored in chunks of `CHUNK_LINES`;
 * invalid ones (not UTF-8, not JSON, or not an article) are reported with their line number, field
 * and issue. Blank lines are skipped.
 */
import { type ArticleInput, articleInputSchema, type LineError, zodDetails } from "@distillery/shared";
import type { Env } from "../env";
import { invalidUtf8Issue } from "../routes/utf8";
import { storeArticles } from "./store";

export const CHUNK_LINES = 500;
/** Longest accepted line, in UTF-8 bytes (a body is at most 1M characters plus its JSON escaping). */
export const MAX_LINE_BYTES = 4_500_000;

/** One line: its text, or (`issue`) why it could not be read, e.g. bytes that are not UTF-8. */
export type NumberedLine = { number: number; text: string; issue?: string };

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

function concat(parts: Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return bytes;
}

/** Decodes one line's bytes; a line that is not UTF-8 carries the issue instead of replaced text. */
function decodeLine(number: number, bytes: Uint8Array, decoder: TextDecoder): NumberedLine {
  const end = bytes.at(-1) === CARRIAGE_RETURN ? bytes.length - 1 : bytes.length;
  const content = bytes.subarray(0, end);
  try {
    return { number, text: decoder.decode(content) };
  } catch {
    return { number, text: "", issue: invalidUtf8Issue(content) };
  }
}

/**
 * Splits a byte stream into numbered lines (from `firstLine`). Lines are split on the newline byte
 * (which never occurs inside a UTF-8 sequence) and each is decoded on its own with a fatal decoder,
 * so bytes that are not UTF-8 reject their line alone instead of being silently replaced.
 */
export async function* readLines(
  stream: ReadableStream<Uint8Array>,
  firstLine = 1,
): AsyncGenerator<NumberedLine> {
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  const reader = stream.getReader();
  let parts: Uint8Array[] = [];
  let pendingBytes = 0;
  let number = firstLine;
  // After an overlong line has been reported, the rest of it is dropped up to its newline.
  let discarding = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    let chunk = value;
    for (let newline = chunk.indexOf(NEWLINE); newline >= 0; newline = chunk.indexOf(NEWLINE)) {
      const tail = chunk.subarray(0, newline);
      chunk = chunk.subarray(newline + 1);
      if (discarding) discarding = false;
      else if (pendingBytes + tail.length > MAX_LINE_BYTES) yield overlong(number++);
      else yield decodeLine(number++, concat([...parts, tail], pendingBytes + tail.length), decoder);
      parts = [];
      pendingBytes = 0;
    }
    if (discarding || chunk.length === 0) continue;
    if (pendingBytes + chunk.length > MAX_LINE_BYTES) {
      yield overlong(number++);
      parts = [];
      pendingBytes = 0;
      discarding = true;
      continue;
    }
    // Copied: a stream may reuse the chunk's buffer after the next read.
    parts.push(chunk.slice());
    pendingBytes += chunk.length;
  }
  if (pendingBytes > 0 && !discarding) yield decodeLine(number, concat(parts, pendingBytes), decoder);
}

function overlong(number: number): NumberedLine {
  return { number, text: "", issue: `line longer than ${MAX_LINE_BYTES} bytes` };
}

/** Parses and validates one line: the article, or the line's errors. */
export function parseArticleLine(line: NumberedLine): ArticleInput | LineError[] {
  if (line.issue) return [{ line: line.number, path: "(root)", issue: line.issue }];
  let value: unknown;
  try {
    value = JSON.parse(line.text);
  } catch (error) {
    return [{ line: line.number, path: "(root)", issue: `invalid JSON: ${(error as Error).message}` }];
  }
  const parsed = articleInputSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  return zodDetails(parsed.error).map((d) => ({ line: line.number, ...d }));
}

export type IngestTotals = { lines: number; created: number; existing: number; rejected: number };

export type IngestOptions = {
  importJobId?: string;
  /** Called with each chunk's errors (e.g. to store them); at most `CHUNK_LINES` lines' worth. */
  onErrors?: (errors: LineError[]) => Promise<void>;
  /** Called after each stored chunk with the running totals. */
  onChunk?: (totals: IngestTotals) => Promise<void>;
};

/** Validates and stores every line of `lines`; returns the totals. */
export async function ingestLines(
  env: Env,
  lines: AsyncIterable<NumberedLine>,
  options: IngestOptions = {},
): Promise<IngestTotals> {
  const totals: IngestTotals = { lines: 0, created: 0, existing: 0, rejected: 0 };
  let batch: ArticleInput[] = [];
  let errors: LineError[] = [];
  const flush = async () => {
    if (batch.length > 0) {
      const results = await storeArticles(env, batch, { importJobId: options.importJobId });
      for (const result of results) {
        if (result.created) totals.created += 1;
        else totals.existing += 1;
      }
      batch = [];
    }
    if (errors.length > 0) {
      await options.onErrors?.(errors);
      errors = [];
    }
    await options.onChunk?.(totals);
  };
  let pending = 0;
  for await (const line of lines) {
    if (!line.issue && line.text.trim() === "") continue;
    totals.lines += 1;
    pending += 1;
    const parsed = parseArticleLine(line);
    if (Array.isArray(parsed)) {
      totals.rejected += 1;
      errors.push(...parsed);
    } else {
      batch.push(parsed);
    }
    if (pending >= CHUNK_LINES) {
      await flush();
      pending = 0;
    }
  }
  if (pending > 0) await flush();
  return totals;
}
