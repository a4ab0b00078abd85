/**
 * @module
 * Where an eval job's report lives (R2, written by the node hub when the job finishes) and how the
 * routes that serve it (the report, its charts) read it: one definition for both.
 */
import { DistilleryError, type EvalReport, evalReportSchema } from "@distillery/shared";
import type { Env } from "../env";
import { getJob } from "./index";

/** The R2 key of an eval job's report. */
export function evalReportKey(jobId: string): string {
  return `reports/${jobId}.json`;
}

/** The report of eval job `jobId`; 404 when the job is not an eval job or has no report yet. */
export async function loadEvalReport(env: Env, jobId: string): Promise<EvalReport> {
  const job = await getJob(env, jobId);
  if (job.kind !== "eval") {
    throw new DistilleryError(
      "job.no_report",
      `job ${jobId} is a ${job.kind} job; only eval jobs have reports`,
      {
        status: 404,
      },
    );
  }
  const object = await env.BUCKET.get(evalReportKey(jobId));
  if (!object) {
    throw new DistilleryError(
      "report.not_found",
      `eval job ${jobId} has no report yet (state: ${job.state})`,
      {
        status: 404,
      },
    );
  }
  return evalReportSchema.parse(await object.json());
}
