/**
 * @module
 * `/v1/jobs`: create jobs of any kind, read their state and progress, list, cancel, attach a chat
 * message, read an import job's per-line errors and an eval job's report, change an oracle job's
 * budget cap. Execution belongs to others (import consumer, oracle stage, GPU nodes); this file talks
 * to the jobs module, and to the oracle stage for budgets.
 */

import {
  DistilleryError,
  evalReportSchema,
  jobIdSchema,
  jobListQuerySchema,
  jobNotifyRequestSchema,
  jobPatchRequestSchema,
  jobRequestSchema,
  jobSchema,
  lineErrorSchema,
  pageQuerySchema,
  pageSchema,
} from "@distillery/shared";
import { createRoute } from "@hono/zod-openapi";
import { and, asc, eq, gt } from "drizzle-orm";
import { z } from "zod";
import { requireRole } from "../auth/middleware";
import { database } from "../db/client";
import { decodeSequenceCursor, paginate } from "../db/pagination";
import { importErrors } from "../db/schema";
import { cancelJob, createJob, getJob, listJobs, setJobNotify } from "../jobs/index";
import { loadEvalReport } from "../jobs/reports";
import { changeBudget } from "../oracle/jobs";
import { resolveJobRequest } from "../promotion/resolve";
import { limitBody } from "./limits";
import { bearerSecurity, createRouter, errorResponses, jsonBody, jsonResponse } from "./openapi";

const idParams = z.object({ id: jobIdSchema });
const readers = requireRole("bot", "submitter", "node");

export const jobsRouter = createRouter();

jobsRouter.openapi(
  createRoute({
    method: "post",
    path: "/jobs",
    tags: ["jobs"],
    summary:
      "Create a job (import, oracle, train, eval, infer, bakeoff); it starts `queued`. A scoring job may name a filter instead of a model: its promoted model scores",
    security: bearerSecurity,
    middleware: [requireRole("bot", "submitter"), limitBody()] as const,
    request: { body: jsonBody(jobRequestSchema) },
    responses: { 201: jsonResponse(jobSchema, "The new job"), ...errorResponses },
  }),
  async (c) => {
    const spec = c.req.valid("json");
    const auth = c.get("auth");
    if (auth.role === "submitter" && spec.kind !== "import") {
      throw new DistilleryError("auth.forbidden", "a 'submitter' token may only create import jobs", {
        status: 403,
      });
    }
    return c.json(await createJob(c.env, await resolveJobRequest(c.env, spec), { auth }), 201);
  },
);

jobsRouter.openapi(
  createRoute({
    method: "get",
    path: "/jobs",
    tags: ["jobs"],
    summary: "List jobs, newest first, by state and kind",
    security: bearerSecurity,
    middleware: [readers] as const,
    request: { query: jobListQuerySchema },
    responses: { 200: jsonResponse(pageSchema(jobSchema), "A page of jobs"), ...errorResponses },
  }),
  async (c) => c.json(await listJobs(c.env, c.req.valid("query")), 200),
);

jobsRouter.openapi(
  createRoute({
    method: "get",
    path: "/jobs/{id}",
    tags: ["jobs"],
    summary: "A job's state, progress, result or error",
    security: bearerSecurity,
    middleware: [readers] as const,
    request: { params: idParams },
    responses: { 200: jsonResponse(jobSchema, "The job"), ...errorResponses },
  }),
  async (c) => c.json(await getJob(c.env, c.req.valid("param").id), 200),
);

jobsRouter.openapi(
  createRoute({
    method: "post",
    path: "/jobs/{id}/cancel",
    tags: ["jobs"],
    summary: "Cancel a job that has not finished",
    security: bearerSecurity,
    middleware: [requireRole("bot")] as const,
    request: { params: idParams },
    responses: { 200: jsonResponse(jobSchema, "The cancelled job"), ...errorResponses },
  }),
  // The kind's `cancelled` hook runs too: a cascade scoring job takes its oracle job with it.
  async (c) => c.json(await cancelJob(c.env, c.req.valid("param").id, c.get("auth")), 200),
);

jobsRouter.openapi(
  createRoute({
    method: "put",
    path: "/jobs/{id}/notify",
    tags: ["jobs"],
    summary: "Attach the chat message that shows this job",
    security: bearerSecurity,
    middleware: [requireRole("bot"), limitBody()] as const,
    request: { params: idParams, body: jsonBody(jobNotifyRequestSchema) },
    responses: { 200: jsonResponse(jobSchema, "The job"), ...errorResponses },
  }),
  async (c) => c.json(await setJobNotify(c.env, c.req.valid("param").id, c.req.valid("json")), 200),
);

jobsRouter.openapi(
  createRoute({
    method: "get",
    path: "/jobs/{id}/errors",
    tags: ["jobs"],
    summary: "An import job's per-line error report (line, field, issue), in line order",
    security: bearerSecurity,
    middleware: [readers] as const,
    request: { params: idParams, query: pageQuerySchema },
    responses: { 200: jsonResponse(pageSchema(lineErrorSchema), "A page of line errors"), ...errorResponses },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const { cursor, limit } = c.req.valid("query");
    await getJob(c.env, id);
    const after = decodeSequenceCursor(cursor) ?? 0;
    const page = await paginate({
      limit,
      fetchRows: (take) =>
        database(c.env.DB)
          .select({
            line: importErrors.line,
            path: importErrors.path,
            issue: importErrors.issue,
            seq: importErrors.id,
          })
          .from(importErrors)
          .where(and(eq(importErrors.job_id, id), gt(importErrors.id, after)))
          .orderBy(asc(importErrors.id))
          .limit(take)
          .all(),
      toItem: ({ line, path, issue }) => ({ line, path, issue }),
      cursorOf: (row) => row.seq,
    });
    return c.json(page, 200);
  },
);

jobsRouter.openapi(
  createRoute({
    method: "get",
    path: "/jobs/{id}/report",
    tags: ["jobs"],
    summary: "The evaluation report of a finished eval job",
    security: bearerSecurity,
    middleware: [readers] as const,
    request: { params: idParams },
    responses: { 200: jsonResponse(evalReportSchema, "The eval report"), ...errorResponses },
  }),
  async (c) => c.json(await loadEvalReport(c.env, c.req.valid("param").id), 200),
);

jobsRouter.openapi(
  createRoute({
    method: "patch",
    path: "/jobs/{id}",
    tags: ["jobs"],
    summary: "Change an oracle job's budget cap; raising it resumes a job paused at its cap",
    security: bearerSecurity,
    middleware: [requireRole("bot"), limitBody()] as const,
    request: { params: idParams, body: jsonBody(jobPatchRequestSchema) },
    responses: { 200: jsonResponse(jobSchema, "The job"), ...errorResponses },
  }),
  async (c) =>
    c.json(await changeBudget(c.env, c.req.valid("param").id, c.req.valid("json").budget_usd), 200),
);
