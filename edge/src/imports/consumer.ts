/**
 * @module
 * The import consumer. An import job is a chain of `import.chunk` messages: each reads the uploaded
 * NDJSON object from R2 starting at a line boundary, stores the valid lines of whole chunks (the same
 * code as `POST /v1/articles/ndjson`), records per-line errors, publishes progress, and — when its
 * time slice is used up — sends the next message. Where the chain stands (offset, line, running
 * totals) is the job's cursor in D1 (`cursor.ts`), moved on by compare-and-set after each chunk: a
 * retried, duplicated or re-driven message continues from the cursor, articles are idempotent and a
 * chunk's error rows are replaced, so nothing is counted twice. A cancelled job stops at the next chunk.
 */
import { type ImportResult, type LineError, TERMINAL_JOB_STATES } from "@distillery/shared";
import { and, eq, gte } from "drizzle-orm";
import { type IngestTotals, ingestLines, readLines } from "../articles/ndjson";
import { edgeConfig } from "../config";
import { database } from "../db/client";
import { importErrors, uploads } from "../db/schema";
import type { Env } from "../env";
import { getJob, transitionJob, updateJobProgress } from "../jobs/index";
import type { ImportChunkMessage } from "../queue/messages";
import { advanceCursor, chunkMessage, ensureCursor } from "./cursor";

/** Work one message does before handing over to the next (keeps each invocation short). */
const TIME_SLICE_MS = 10_000;
/** Rejected lines whose errors are kept per job; beyond this only the count grows. */
export const MAX_STORED_ERRORS = 100_000;

/** Reads whole lines from `offset`: the bytes up to the last newline (or to the end of the object). */
async function readWholeLines(env: Env, key: string, offset: number, size: number): Promise<Uint8Array> {
  // Bytes read from R2 per chunk: the `IMPORT_CHUNK_BYTES` setting (4 MiB by default).
  let length = Math.min(edgeConfig(env).IMPORT_CHUNK_BYTES, size - offset);
  for (;;) {
    const object = await env.BUCKET.get(key, { range: { offset, length } });
    if (!object) throw new Error(`import object ${key} is missing from R2`);
    const bytes = new Uint8Array(await object.arrayBuffer());
    if (offset + bytes.length >= size) return bytes;
    const lastNewline = bytes.lastIndexOf(0x0a);
    if (lastNewline >= 0) return bytes.subarray(0, lastNewline + 1);
    length = Math.min(length * 2, size - offset);
  }
}

function describe(totals: IngestTotals): string {
  return `${totals.lines} lines: ${totals.created} new, ${totals.existing} already stored, ${totals.rejected} rejected`;
}

export async function processImportChunk(env: Env, message: ImportChunkMessage): Promise<void> {
  let job = await getJob(env, message.job_id);
  if (TERMINAL_JOB_STATES.includes(job.state)) return;
  if (job.state !== "running") job = await transitionJob(env, job.id, "running", { incrementAttempts: true });
  const db = database(env.DB);
  const upload = await db.select().from(uploads).where(eq(uploads.id, message.upload_id)).get();
  const head = upload ? await env.BUCKET.head(upload.object_key) : null;
  if (!upload || !head) {
    await transitionJob(env, job.id, "failed", {
      error: { code: "import.upload_missing", message: `upload ${message.upload_id} has no stored file` },
    });
    return;
  }
  const started = Date.now();
  let cursor = await ensureCursor(env, message);
  while (cursor.next_offset < head.size) {
    const { next_offset: offset, next_line: line, totals } = cursor;
    await db.delete(importErrors).where(and(eq(importErrors.job_id, job.id), gte(importErrors.line, line)));
    const bytes = await readWholeLines(env, upload.object_key, offset, head.size);
    const lineCount = bytes.reduce((n, b) => (b === 0x0a ? n + 1 : n), 0);
    const chunk = await ingestLines(env, readLines(new Blob([bytes]).stream(), line), {
      importJobId: job.id,
      onErrors: async (errors) => {
        if (totals.rejected < MAX_STORED_ERRORS) await storeErrors(env, job.id, errors);
      },
    });
    const advanced = await advanceCursor(env, job.id, offset, {
      next_offset: offset + bytes.length,
      next_line: line + lineCount,
      totals: {
        lines: totals.lines + chunk.lines,
        created: totals.created + chunk.created,
        existing: totals.existing + chunk.existing,
        rejected: totals.rejected + chunk.rejected,
      },
    });
    // Another delivery of this chain did the chunk first and carries on from there.
    if (!advanced) return;
    cursor = advanced;
    const current = await getJob(env, job.id);
    if (current.state !== "running") return;
    await updateJobProgress(env, job.id, {
      done: cursor.next_offset,
      total: head.size,
      message: describe(cursor.totals),
    });
    if (cursor.next_offset < head.size && Date.now() - started > TIME_SLICE_MS) {
      await env.JOBS.send(chunkMessage(cursor));
      return;
    }
  }
  const result: ImportResult = { ...cursor.totals, errors_url: `/v1/jobs/${job.id}/errors` };
  await transitionJob(env, job.id, "succeeded", {
    result,
    progress: { done: head.size, total: head.size, message: describe(cursor.totals) },
  });
}

async function storeErrors(env: Env, jobId: string, errors: LineError[]): Promise<void> {
  const rows = errors.map((e) => ({
    job_id: jobId,
    line: e.line,
    path: e.path,
    issue: e.issue.slice(0, 500),
  }));
  const statements = [];
  for (let i = 0; i < rows.length; i += 200) {
    statements.push(
      env.DB.prepare(
        `INSERT INTO import_errors (job_id, line, path, issue)
         SELECT json_extract(value, '$.job_id'), json_extract(value, '$.line'), json_extract(value, '$.path'),
                json_extract(value, '$.issue') FROM json_each(?)`,
      ).bind(JSON.stringify(rows.slice(i, i + 200))),
    );
  }
  if (statements.length > 0) await env.DB.batch(statements);
}
