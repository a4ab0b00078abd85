/**
 * @module
 * The worker's cron handler (every minute, see `triggers` in wrangler.jsonc). Each task runs on its
 * own so one failing task does not stop the others. To add periodic work, append to `SCHEDULED_TASKS`.
 */
import { lt } from "drizzle-orm";
import { database } from "./db/client";
import { webhookDeliveries } from "./db/schema";
import { runDriftAudits } from "./drift/index";
import type { Env } from "./env";
import { settleOpenCascades } from "./hub/cascade";
import { redriveStalledJobs } from "./jobs/redrive";
import { pollBatches } from "./oracle/batch";

export type ScheduledTask = {
  name: string;
  run: (env: Env, controller: ScheduledController) => Promise<void>;
};

/** Webhook ids older than this can no longer be replayed (the timestamp window is 5 minutes). */
const WEBHOOK_ID_RETENTION_MS = 24 * 60 * 60 * 1000;

export const SCHEDULED_TASKS: ScheduledTask[] = [
  {
    name: "oracle-batches",
    run: async (env) => {
      await pollBatches(env);
    },
  },
  {
    // Every job kind that waits on queue messages (import, oracle, ...): see jobs/redrive.ts.
    name: "redrive-stalled-jobs",
    run: async (env) => {
      await redriveStalledJobs(env);
    },
  },
  {
    name: "cascade-scoring-jobs",
    run: async (env) => {
      await settleOpenCascades(env);
    },
  },
  {
    // Ends drift audits whose oracle job is done, then starts the due ones: see drift/index.ts.
    name: "drift-audits",
    run: async (env) => {
      await runDriftAudits(env);
    },
  },
  {
    name: "forget-old-webhook-ids",
    run: async (env) => {
      const before = new Date(Date.now() - WEBHOOK_ID_RETENTION_MS).toISOString();
      await database(env.DB).delete(webhookDeliveries).where(lt(webhookDeliveries.received_at, before));
    },
  },
];

export async function scheduled(controller: ScheduledController, env: Env, _ctx: ExecutionContext) {
  const results = await Promise.allSettled(SCHEDULED_TASKS.map((task) => task.run(env, controller)));
  results.forEach((result, i) => {
    if (result.status === "rejected")
      console.error(`scheduled task ${SCHEDULED_TASKS[i]?.name} failed`, result.reason);
  });
}
