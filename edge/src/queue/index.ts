/**
 * @module
 * The worker's `queue` handler: routes each batch to the handler registered for its queue name, and
 * within `distillery-jobs` each message to the handler for its `type`. A message that fails is
 * retried by the queue (up to `max_retries` in wrangler.jsonc); an invalid message is logged and
 * acknowledged, since retrying cannot fix it. To consume another queue, add it to `QUEUE_HANDLERS`.
 */
import type { Env } from "../env";
import { processImportChunk } from "../imports/consumer";
import { handleOracleBatch } from "../oracle/consumer";
import { type JobsQueueMessage, jobsQueueMessageSchema } from "./messages";

type MessageHandlers = {
  [T in JobsQueueMessage["type"]]: (
    env: Env,
    message: Extract<JobsQueueMessage, { type: T }>,
  ) => Promise<void>;
};

const JOBS_HANDLERS: MessageHandlers = {
  "import.chunk": processImportChunk,
};

async function handleJobsBatch(batch: MessageBatch, env: Env): Promise<void> {
  for (const message of batch.messages) {
    const parsed = jobsQueueMessageSchema.safeParse(message.body);
    if (!parsed.success) {
      console.error("distillery-jobs: dropping an invalid message", parsed.error.issues);
      message.ack();
      continue;
    }
    try {
      const handler = JOBS_HANDLERS[parsed.data.type] as (env: Env, m: JobsQueueMessage) => Promise<void>;
      await handler(env, parsed.data);
      message.ack();
    } catch (error) {
      console.error(`distillery-jobs: ${parsed.data.type} failed (attempt ${message.attempts})`, error);
      message.retry();
    }
  }
}

export type QueueHandler = (batch: MessageBatch, env: Env, ctx: ExecutionContext) => Promise<void>;

/** Queue name → handler. */
export const QUEUE_HANDLERS: Record<string, QueueHandler> = {
  "distillery-jobs": handleJobsBatch,
  "distillery-oracle": handleOracleBatch,
};

export async function queue(batch: MessageBatch, env: Env, ctx: ExecutionContext): Promise<void> {
  const handler = QUEUE_HANDLERS[batch.queue];
  if (!handler) {
    console.error(`no consumer for queue '${batch.queue}'; retrying its messages later`);
    batch.retryAll();
    return;
  }
  await handler(batch, env, ctx);
}
