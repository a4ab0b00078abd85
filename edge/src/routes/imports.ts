/**
 * @module
 * `/v1/imports`: upload a large NDJSON file to R2 in parts (resumable), then start an import job with
 * `POST /v1/jobs {"kind":"import","upload_id":...}`. `npx distillery import articles FILE` drives it.
 */

import {
  DistilleryError,
  uploadCreateRequestSchema,
  uploadIdSchema,
  uploadPartSchema,
  uploadSchema,
} from "@distillery/shared";
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { requireRole } from "../auth/middleware";
import { completeUpload, createUpload, getUpload, putPart } from "../imports/uploads";
import { limitBody } from "./limits";
import { bearerSecurity, createRouter, errorResponses, jsonBody, jsonResponse } from "./openapi";

export const importsRouter = createRouter();
const submitters = requireRole("submitter");
const idParams = z.object({ id: uploadIdSchema });

importsRouter.openapi(
  createRoute({
    method: "post",
    path: "/imports",
    tags: ["imports"],
    summary: "Start an NDJSON upload; send parts of `part_bytes` bytes, then complete it",
    security: bearerSecurity,
    middleware: [submitters, limitBody()] as const,
    request: { body: jsonBody(uploadCreateRequestSchema) },
    responses: { 201: jsonResponse(uploadSchema, "The new upload"), ...errorResponses },
  }),
  async (c) => c.json(await createUpload(c.env, c.get("auth"), c.req.valid("json").filename), 201),
);

importsRouter.openapi(
  createRoute({
    method: "get",
    path: "/imports/{id}",
    tags: ["imports"],
    summary: "An upload and the parts it has (to resume an interrupted upload)",
    security: bearerSecurity,
    middleware: [submitters] as const,
    request: { params: idParams },
    responses: { 200: jsonResponse(uploadSchema, "The upload"), ...errorResponses },
  }),
  async (c) => c.json(await getUpload(c.env, c.req.valid("param").id), 200),
);

importsRouter.openapi(
  createRoute({
    method: "put",
    path: "/imports/{id}/parts/{part_number}",
    tags: ["imports"],
    summary: "Upload one part (raw bytes); re-sending a part replaces it",
    security: bearerSecurity,
    middleware: [submitters, limitBody(8 * 1024 * 1024)] as const,
    request: {
      params: z.object({ id: uploadIdSchema, part_number: z.coerce.number().int().min(1).max(10_000) }),
      body: {
        required: true,
        description: "The part's bytes",
        content: { "application/octet-stream": { schema: z.string() } },
      },
    },
    responses: { 200: jsonResponse(uploadPartSchema, "The stored part"), ...errorResponses },
  }),
  async (c) => {
    const { id, part_number } = c.req.valid("param");
    const body = await c.req.arrayBuffer();
    if (body.byteLength === 0)
      throw new DistilleryError("request.empty", "send the part's bytes in the body");
    return c.json(await putPart(c.env, id, part_number, body), 200);
  },
);

importsRouter.openapi(
  createRoute({
    method: "post",
    path: "/imports/{id}/complete",
    tags: ["imports"],
    summary: "Join the parts into one file; then create an import job with its id",
    security: bearerSecurity,
    middleware: [submitters] as const,
    request: { params: idParams },
    responses: { 200: jsonResponse(uploadSchema, "The completed upload"), ...errorResponses },
  }),
  async (c) => c.json(await completeUpload(c.env, c.req.valid("param").id), 200),
);
