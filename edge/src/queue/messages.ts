/**
 * @module
 * Messages on the `distillery-jobs` queue (binding `JOBS`): background work the edge does for
 * itself. A tagged union on `type`; the consumer validates every message with this schema, so a
 * producer and the consumer cannot drift apart. To add a type: add a variant here and a handler in
 * `queue/index.ts` (`JOBS_HANDLERS`).
 */
import { idSchema } from "@distillery/shared";
import { z } from "zod";

export const importChunkMessageSchema = z.object({
  type: z.literal("import.chunk"),
  job_id: idSchema,
  upload_id: idSchema,
  /** Byte offset in the uploaded object where this chunk starts (always at a line start). */
  offset: z.number().int().min(0),
  /** Number of the first line in this chunk, counting from 1. */
  line: z.number().int().min(1),
  /** Running totals of the chunks before this one (the chain is sequential). */
  totals: z
    .object({
      lines: z.number().int().min(0),
      created: z.number().int().min(0),
      existing: z.number().int().min(0),
      rejected: z.number().int().min(0),
    })
    .default({ lines: 0, created: 0, existing: 0, rejected: 0 }),
});
export type ImportChunkMessage = z.infer<typeof importChunkMessageSchema>;

export const jobsQueueMessageSchema = z.discriminatedUnion("type", [importChunkMessageSchema]);
export type JobsQueueMessage = z.infer<typeof jobsQueueMessageSchema>;
