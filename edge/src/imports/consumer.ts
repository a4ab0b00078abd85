/**
 * @module
 * The import consumer: reads one chunk of an uploaded NDJSON object from R2, stores its valid lines,
 * records per-line errors, updates progress and enqueues the next chunk.
 */
import { DistilleryError } from "@distillery/shared";
import type { Env } from "../env";
import type { ImportChunkMessage } from "../queue/messages";

export async function processImportChunk(_env: Env, message: ImportChunkMessage): Promise<void> {
  throw new DistilleryError("import.unavailable", `import of job ${message.job_id} is not wired yet`);
}
