/**
 * @module
 * `/v1/filters/{name}/promote` and `/v1/filters/{name}/promotion`: promote a model for its filter
 * through the gate (bot and admin tokens, like the other model jobs; an `override` past the gate is
 * admin only), read the promoted model with its history, and preview what the gate would decide for a
 * model (`/promotion/compare?model_id=`, storing nothing: the eval summary's "better than production"). The gate's rules are in
 * `@distillery/shared` (`promotionGate`), the evidence and storage in `promotion/`.
 */
import {
  idSchema,
  promoteRequestSchema,
  promoteResultSchema,
  promotionComparisonSchema,
  promotionStatusSchema,
  slugSchema,
} from "@distillery/shared";
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { requireRole } from "../auth/middleware";
import { previewPromotion, promote, promotionStatus } from "../promotion/promote";
import { toPromotion } from "../promotion/store";
import { limitBody } from "./limits";
import { bearerSecurity, createRouter, errorResponses, jsonBody, jsonResponse } from "./openapi";

export const promotionRouter = createRouter();
const nameParams = z.object({ name: slugSchema });

promotionRouter.openapi(
  createRoute({
    method: "post",
    path: "/filters/{name}/promote",
    tags: ["filters"],
    summary:
      "Promote a model for its filter if it beats the promoted one on the same random test labels (409 promotion.refused with the checks otherwise); `override` (admin) skips the gate",
    security: bearerSecurity,
    middleware: [requireRole("bot"), limitBody()] as const,
    request: { params: nameParams, body: jsonBody(promoteRequestSchema) },
    responses: {
      201: jsonResponse(promoteResultSchema, "The stored promotion, with the gate's comparison"),
      ...errorResponses,
    },
  }),
  async (c) => {
    const row = await promote(c.env, c.get("auth"), c.req.valid("param").name, c.req.valid("json"));
    return c.json(toPromotion(row), 201);
  },
);

promotionRouter.openapi(
  createRoute({
    method: "get",
    path: "/filters/{name}/promotion",
    tags: ["filters"],
    summary: "The filter's promoted model and its promotion history, newest first",
    security: bearerSecurity,
    middleware: [requireRole("bot", "submitter", "node")] as const,
    request: { params: nameParams },
    responses: { 200: jsonResponse(promotionStatusSchema, "Promoted model and history"), ...errorResponses },
  }),
  async (c) => c.json(await promotionStatus(c.env, c.req.valid("param").name), 200),
);

promotionRouter.openapi(
  createRoute({
    method: "get",
    path: "/filters/{name}/promotion/compare",
    tags: ["filters"],
    summary:
      "What the gate would decide for a model against the promoted one now (both figures side by side); stores nothing",
    security: bearerSecurity,
    middleware: [requireRole("bot", "submitter", "node")] as const,
    request: { params: nameParams, query: z.object({ model_id: idSchema }) },
    responses: { 200: jsonResponse(promotionComparisonSchema, "The gate's comparison"), ...errorResponses },
  }),
  async (c) =>
    c.json(await previewPromotion(c.env, c.req.valid("param").name, c.req.valid("query").model_id), 200),
);
