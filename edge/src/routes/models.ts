/**
 * @module
 * The model registry, read-only: `GET /v1/models` (newest first, cursor-paginated, optionally one
 * filter's) and `GET /v1/models/{id}`, from the `student_models` rows the node hub writes when a
 * training job succeeds. A model's `metrics.eval_job_id` names its latest evaluation, whose report is
 * `GET /v1/jobs/{eval_job_id}/report`. Its trained adapter: `PUT /v1/models/{id}/artifact` (only from
 * the node holding the train job's lease, header `x-distillery-lease-id`, sha256-checked; never
 * replaced once registered: `hub/artifacts.ts`) and `GET /v1/models/{id}/artifact`.
 */
import {
  catalogListQuerySchema,
  modelIdSchema,
  NODE_LEASE_HEADER,
  pageSchema,
  parseOrThrow,
  studentModelSchema,
} from "@distillery/shared";
import { createRoute } from "@hono/zod-openapi";
import { and, desc, eq, lt, type SQL } from "drizzle-orm";
import { z } from "zod";
import { requireRole } from "../auth/middleware";
import { database } from "../db/client";
import { paginate } from "../db/pagination";
import { studentModels } from "../db/schema";
import { notFound } from "../errors";
import { readArtifact, uploadArtifact } from "../hub/artifacts";
import { attachmentDisposition } from "./attachment";
import { bearerSecurity, createRouter, errorResponses, jsonResponse } from "./openapi";

export const modelsRouter = createRouter();
const readers = requireRole("bot", "submitter", "node");

type ModelRow = typeof studentModels.$inferSelect;

/** The API shape of a registry row (the job id stays internal: the train job is in `metrics`). */
function toModel({ job_id: _job, ...row }: ModelRow) {
  return studentModelSchema.parse(row);
}

modelsRouter.openapi(
  createRoute({
    method: "get",
    path: "/models",
    tags: ["models"],
    summary: "Student models, newest first, optionally of one filter",
    security: bearerSecurity,
    middleware: [readers] as const,
    request: { query: catalogListQuerySchema },
    responses: { 200: jsonResponse(pageSchema(studentModelSchema), "A page of models"), ...errorResponses },
  }),
  async (c) => {
    const query = c.req.valid("query");
    const conditions: SQL[] = [];
    if (query.filter) conditions.push(eq(studentModels.filter, query.filter));
    if (query.cursor) conditions.push(lt(studentModels.id, query.cursor));
    const page = await paginate({
      limit: query.limit,
      fetchRows: (take) =>
        database(c.env.DB)
          .select()
          .from(studentModels)
          .where(and(...conditions))
          .orderBy(desc(studentModels.id))
          .limit(take)
          .all(),
      toItem: toModel,
      cursorOf: (row) => row.id,
    });
    return c.json(page, 200);
  },
);

modelsRouter.openapi(
  createRoute({
    method: "get",
    path: "/models/{id}",
    tags: ["models"],
    summary: "One student model: filter, dataset, kind, base model, metrics, artifact",
    security: bearerSecurity,
    middleware: [readers] as const,
    request: { params: z.object({ id: modelIdSchema }) },
    responses: { 200: jsonResponse(studentModelSchema, "The model"), ...errorResponses },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const row = await database(c.env.DB).select().from(studentModels).where(eq(studentModels.id, id)).get();
    if (!row) throw notFound("model", id);
    return c.json(toModel(row), 200);
  },
);

// An artifact is a binary body, not JSON, so these routes are plain ones (validated by hand).
modelsRouter.put("/models/:id/artifact", requireRole("node"), async (c) => {
  const { status, receipt } = await uploadArtifact(c.env, {
    modelId: parseOrThrow(modelIdSchema, c.req.param("id"), "request.invalid", "path", "id"),
    sha256: c.req.header("x-content-sha256"),
    contentLength: c.req.header("content-length"),
    leaseId: c.req.header(NODE_LEASE_HEADER),
    tokenId: c.get("auth").tokenId,
    body: c.req.raw.body,
  });
  return c.json(receipt, status);
});

modelsRouter.get("/models/:id/artifact", requireRole("bot", "submitter", "node"), async (c) => {
  const modelId = parseOrThrow(modelIdSchema, c.req.param("id"), "request.invalid", "path", "id");
  const object = await readArtifact(c.env, modelId);
  return new Response(object.body, {
    headers: {
      "content-type": "application/gzip",
      "content-length": String(object.size),
      "content-disposition": attachmentDisposition(`${modelId}.tar.gz`),
      "x-content-sha256": object.customMetadata?.sha256 ?? "",
    },
  });
});
