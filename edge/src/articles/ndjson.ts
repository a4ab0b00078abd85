/**
 * @module
 * NDJSON ingestion shared by `POST /v1/articles/ndjson` (a streamed request body) and import jobs (an
 * R2 object read in chunks): lines are read as they arrive, never buffered whole; each line is
 * validated on its own; valid lines are stored in chunks of `CHUNK_LINES`; invalid ones are reported
 * with their line number, field and issue. Blank lines are skipped.
 */
import { type ArticleInput, articleInputSchema, type LineError, zodDetails } from "@distillery/shared";
import type { Env } from "../env";
import { storeArticles } from "./store";

export const CHUNK_LINES = 500;
/** Longest accepted line, in characters (a body is at most 1M characters plus its JSON escaping). */
export const MAX_LINE_CHARS = 4_500_000;

export type NumberedLine = { number: number; text: string };

/** Splits a byte stream into numbered lines (from `firstLine`), decoding UTF-8 across chunk edges. */
export async function* readLines(
  stream: ReadableStream<Uint8Array>,
  firstLine = 1,
): AsyncGenerator<NumberedLine> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  let number = firstLine;
  // After an overlong line has been reported, the rest of it is dropped up to its newline.
  let discarding = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffered += value;
    if (discarding) {
      const newline = buffered.indexOf("\n");
      if (newline < 0) {
        buffered = "";
        continue;
      }
      buffered = buffered.slice(newline + 1);
      discarding = false;
    }
    if (buffered.includes("\n")) {
      const parts = buffered.split("\n");
      buffered = parts.pop() ?? "";
      for (const text of parts)
        yield { number: number++, text: text.endsWith("\r") ? text.slice(0, -1) : text };
    }
    if (buffered.length > MAX_LINE_CHARS) {
      yield { number: number++, text: buffered };
      buffered = "";
      discarding = true;
    }
  }
  if (buffered.length > 0 && !discarding) yield { number, text: buffered };
}

/** Parses and validates one line: the article, or the line's errors. */
export function parseArticleLine(line: NumberedLine): ArticleInput | LineError[] {
  if (line.text.length > MAX_LINE_CHARS) {
    return [{ line: line.number, path: "(root)", issue: `line longer than ${MAX_LINE_CHARS} characters` }];
  }
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
    if (line.text.trim() === "") continue;
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
