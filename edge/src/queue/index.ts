/**
 * @module
 * The worker's `queue` handler: routes each batch to the handler registered for its queue name, and
 * within `distillery-jobs` each message to the handler for its `type`. A message that fails is
 * retried by the queue (up to `max_retries` in wrangler.jsonc); on its last delivery the job it
 * belongs to fails with the reason (`queue.retries_exhausted`) instead of waiting forever. An invalid
 * message is logged and acknowledged, since retrying cannot fix it. To consume another queue, add it
 * to `QUEUE_HANDLERS`.
 */
import { DistilleryError } from "@distillery/shared";
import { handleBakeoffMessage, isBakeoffMessage } from "../bakeoff/consumer";
import type { Env } from "../env";
import { processImportChunk } from "../imports/consumer";
import { transitionJob } from "../jobs/index";
import { handleOracleMessage } from "../oracle/consumer";
import { retriesExhausted } from "./failures";
import { type JobsQueueMessage, jobsQueueMessageSchema } from "./messages";

/**
 * `max_retries` of the `distillery-jobs` consumer in wrangler.jsonc (keep the two in step): a message
 * is delivered at most this many times plus one, then dropped by the queue.
 */
export const JOBS_QUEUE_MAX_RETRIES = 5;

/** Fails the job of a message that has used up its retries (a job that already ended stays as it is). */
async function failJobOfMessage(env: Env, message: JobsQueueMessage, attempts: number, error: unknown) {
  await transitionJob(env, message.job_id, "failed", {
    error: retriesExhausted(`${message.type} message`, attempts, error),
  }).catch((failure: unknown) => {
    const ended = failure instanceof DistilleryError && failure.code === "job.invalid_transition";
    if (!ended) throw failure;
  });
}

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
      if (message.attempts <= JOBS_QUEUE_MAX_RETRIES) {
        message.retry();
        continue;
      }
      try {
        await failJobOfMessage(env, parsed.data, message.attempts, error);
        message.ack();
      } catch (failure) {
        // The job stays running; the stalled-work re-drive (jobs/redrive.ts) picks it up later.
        console.error(`distillery-jobs: could not fail job ${parsed.data.job_id}`, failure);
        message.retry();
      }
    }
  }
}

/**
 * `distillery-oracle` carries oracle jobs' articles and bake-off items; each message is worked on
 * concurrently (the limiter Durable Object keeps them all under the provider's quota).
 */
async function handleOracleBatch(batch: MessageBatch, env: Env): Promise<void> {
  await Promise.all(
    batch.messages.map((message) =>
      isBakeoffMessage(message.body) ? handleBakeoffMessage(env, message) : handleOracleMessage(env, message),
    ),
  );
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
