/**
 * @module
 * Starting an import job: the upload must be complete; the first chunk message goes on the queue.
 */
import { DistilleryError } from "@distillery/shared";
import { eq } from "drizzle-orm";
import { database } from "../db/client";
import { uploads } from "../db/schema";
import type { JobStarter } from "../jobs/starters";

export const importStarter: JobStarter = {
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
  start: async (env, job) => {
    if (job.spec.kind !== "import") return;
    await env.JOBS.send({
      type: "import.chunk",
      job_id: job.id,
      upload_id: job.spec.upload_id,
      offset: 0,
      line: 1,
      totals: { lines: 0, created: 0, existing: 0, rejected: 0 },
    });
  },
};
