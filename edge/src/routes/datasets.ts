/**
 * @module
 * `/v1/datasets`: build an immutable dataset (80/10/10, near duplicates removed) from a filter
 * version's oracle labels (`POST /v1/datasets`), read one with its validation report (`GET
 * /v1/datasets/{id}`) or its rows as JSONL (`GET /v1/datasets/{id}/rows?split=`), and list them newest
 * first, cursor-paginated, optionally one filter's (`GET /v1/datasets`, what the bot offers in
 * autocomplete). Building and storing are `oracle/datasets.ts`.
 */
import {
  catalogListQuerySchema,
  datasetCreateRequestSchema,
  datasetIdSchema,
  datasetRowsQuerySchema,
  datasetSchema,
  pageSchema,
  parseOrThrow,
} from "@distillery/shared";
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { requireRole } from "../auth/middleware";
import { createDataset, datasetRowsStream, getDataset, listDatasets } from "../oracle/datasets";
import { limitBody } from "./limits";
import { bearerSecurity, createRouter, errorResponses, jsonBody, jsonResponse } from "./openapi";

const idParams = z.object({ id: datasetIdSchema });
const readers = requireRole("bot", "node");

export const datasetsRouter = createRouter();

datasetsRouter.openapi(
  createRoute({
    method: "post",
    path: "/datasets",
    tags: ["datasets"],
    summary: "Build an immutable dataset (80/10/10, near duplicates removed) from a filter version's labels",
    security: bearerSecurity,
    middleware: [requireRole("bot"), limitBody()] as const,
    request: { body: jsonBody(datasetCreateRequestSchema) },
    responses: { 201: jsonResponse(datasetSchema, "The dataset with its report"), ...errorResponses },
  }),
  async (c) => c.json(await createDataset(c.env, c.req.valid("json")), 201),
);

datasetsRouter.openapi(
  createRoute({
    method: "get",
    path: "/datasets/{id}",
    tags: ["datasets"],
    summary: "A dataset and its validation report",
    security: bearerSecurity,
    middleware: [readers] as const,
    request: { params: idParams },
    responses: { 200: jsonResponse(datasetSchema, "The dataset"), ...errorResponses },
  }),
  async (c) => c.json(await getDataset(c.env, c.req.valid("param").id), 200),
);

// Streamed JSONL is not a JSON response, so this route is a plain one (validated by hand).
datasetsRouter.get("/datasets/:id/rows", readers, async (c) => {
  const id = parseOrThrow(datasetIdSchema, c.req.param("id"), "request.invalid", "path", "id");
  const { split } = datasetRowsQuerySchema.parse(c.req.query());
  return new Response(await datasetRowsStream(c.env, id, split), {
    headers: { "content-type": "application/x-ndjson" },
  });
});

datasetsRouter.openapi(
  createRoute({
    method: "get",
    path: "/datasets",
    tags: ["datasets"],
    summary: "Datasets, newest first, optionally of one filter",
    security: bearerSecurity,
    middleware: [readers] as const,
    request: { query: catalogListQuerySchema },
    responses: { 200: jsonResponse(pageSchema(datasetSchema), "A page of datasets"), ...errorResponses },
  }),
  async (c) => c.json(await listDatasets(c.env, c.req.valid("query")), 200),
);
