/**
 * @module
 * The event stream on `/v1/events`: job state changes and progress, for the bot and the CLI, and the
 * drift audit's alerts (`filter.drift_alert`).
 * A subscriber may filter by job id; the server sends `snapshot` first so a late subscriber starts
 * from the current state rather than waiting for the next change.
 */
import { z } from "zod";
import { driftAlertEventSchema } from "../drift/schema";
import { idSchema } from "./common";
import { jobSchema } from "./job";

export const jobEventSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("snapshot"), jobs: z.array(jobSchema) }),
  z.object({ type: z.literal("job.updated"), job: jobSchema }),
  z.object({ type: z.literal("ping"), at: z.string() }),
  driftAlertEventSchema,
]);
export type JobEvent = z.infer<typeof jobEventSchema>;

export const eventSubscriptionSchema = z.object({
  type: z.literal("subscribe"),
  job_ids: z.array(idSchema).max(1000).optional(),
});
