/**
 * @module
 * Starting an import job: the upload must be complete; the job's cursor is set at the start of the
 * upload and the first chunk message goes on the queue. Re-driving a stalled job sends a message from
 * wherever its cursor stands.
 */
import { DistilleryError, type Job } from "@distillery/shared";
import { eq } from "drizzle-orm";
import { database } from "../db/client";
import { uploads } from "../db/schema";
import type { Env } from "../env";
import type { JobKindHooks } from "../jobs/kinds";
import { chunkMessage, ensureCursor, START_OF_UPLOAD } from "./cursor";

/** Sends the chunk message that continues the job from its cursor (the start, for a new job). */
async function sendNextChunk(env: Env, job: Job): Promise<void> {
  if (job.spec.kind !== "import") return;
  const seed = { job_id: job.id, upload_id: job.spec.upload_id, ...START_OF_UPLOAD };
  await env.JOBS.send(chunkMessage(await ensureCursor(env, seed)));
}

export const importJobHooks: JobKindHooks = {
  validate: async (env, spec) => {
    if (spec.kind !== "import") return;
    const upload = await database(env.DB).select().from(uploads).where(eq(uploads.id, spec.upload_id)).get();
    if (!upload) {
      throw new DistilleryError("upload.not_found", `no upload with id '${spec.upload_id}'`, {
        status: 404,
        details: [{ path: "upload_id", issue: "unknown upload" }],
      });
    }
    if (upload.state !== "complete") {
      throw new DistilleryError(
        "upload.incomplete",
        `upload ${upload.id} is ${upload.state}; complete it first`,
        {
          status: 409,
          details: [{ path: "upload_id", issue: `upload is ${upload.state}` }],
        },
      );
    }
  },
  start: sendNextChunk,
  redrive: sendNextChunk,
};
