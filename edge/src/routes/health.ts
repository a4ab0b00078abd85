/**
 * @module
 * `GET /v1/health`: no token needed; says the edge is up (used by `dev:edge` readiness checks).
 */

import { healthSchema } from "@distillery/shared";
import { createRoute } from "@hono/zod-openapi";
import { createRouter, jsonResponse } from "./openapi";

export const healthRouter = createRouter();

healthRouter.openapi(
  createRoute({
    method: "get",
    path: "/health",
    tags: ["meta"],
    summary: "Liveness check (no token)",
    responses: { 200: jsonResponse(healthSchema, "The edge is up") },
  }),
  (c) => c.json({ ok: true as const, version: "0.1.0" }, 200),
);
