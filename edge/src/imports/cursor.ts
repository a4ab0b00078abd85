/**
 * @module
 * An import job's cursor (`import_cursors`): where its chain of `import.chunk` messages stands. The
 * consumer works from the cursor, not from the message, and moves it on by compare-and-set after
 * each chunk, so a duplicated delivery, a queue retry or a message sent again by the stalled-work
 * re-drive all continue the same chain and no chunk is counted twice.
 */
import { and, eq, sql } from "drizzle-orm";
import type { IngestTotals } from "../articles/ndjson";
import { database, nowIso } from "../db/client";
import { importCursors } from "../db/schema";
import type { Env } from "../env";
import type { ImportChunkMessage } from "../queue/messages";

export type ImportCursor = typeof importCursors.$inferSelect;

/** Where a job that has not started yet begins. */
export const START_OF_UPLOAD = {
  offset: 0,
  line: 1,
  totals: { lines: 0, created: 0, existing: 0, rejected: 0 },
};

/**
 * The job's cursor; created from `seed` (the message, or the start of the upload) when the job has
 * none yet.
 */
export async function ensureCursor(
  env: Env,
  seed: Pick<ImportChunkMessage, "job_id" | "upload_id" | "offset" | "line" | "totals">,
): Promise<ImportCursor> {
  // One statement: a no-op update on conflict makes RETURNING give the row that is there.
  return database(env.DB)
    .insert(importCursors)
    .values({
      job_id: seed.job_id,
      upload_id: seed.upload_id,
      next_offset: seed.offset,
      next_line: seed.line,
      totals: seed.totals,
    })
    .onConflictDoUpdate({ target: importCursors.job_id, set: { job_id: sql`${importCursors.job_id}` } })
    .returning()
    .get();
}

/**
 * Moves the cursor from `from` (the offset this caller worked on) to `to`; undefined when another
 * delivery of the chain moved it first (this caller's counts are then dropped).
 */
export async function advanceCursor(
  env: Env,
  jobId: string,
  from: number,
  to: { next_offset: number; next_line: number; totals: IngestTotals },
): Promise<ImportCursor | undefined> {
  return database(env.DB)
    .update(importCursors)
    .set({ ...to, updated_at: nowIso() })
    .where(and(eq(importCursors.job_id, jobId), eq(importCursors.next_offset, from)))
    .returning()
    .get();
}

/** The message that continues the chain from `cursor`. */
export function chunkMessage(cursor: ImportCursor): ImportChunkMessage {
  return {
    type: "import.chunk",
    job_id: cursor.job_id,
    upload_id: cursor.upload_id,
    offset: cursor.next_offset,
    line: cursor.next_line,
    totals: cursor.totals,
  };
}
