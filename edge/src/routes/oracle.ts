/**
 * @module
 * `/v1/oracle`: what the oracle stage has cost (`GET /v1/oracle/spend`, by day, filter and model) and
 * how two labelings of the same articles compare (`POST /v1/oracle/calibration`). Oracle jobs are
 * created and budgeted through `/v1/jobs`; their datasets are `/v1/datasets`.
 */
import {
  calibrationReportSchema,
  calibrationRequestSchema,
  spendQuerySchema,
  spendReportSchema,
} from "@distillery/shared";
import { createRoute } from "@hono/zod-openapi";
import { requireRole } from "../auth/middleware";
import { compareLabelings } from "../oracle/calibration";
import { oracleSpend } from "../oracle/spend";
import { limitBody } from "./limits";
import { bearerSecurity, createRouter, errorResponses, jsonBody, jsonResponse } from "./openapi";

const readers = requireRole("bot", "node");

export const oracleRouter = createRouter();

oracleRouter.openapi(
  createRoute({
    method: "get",
    path: "/oracle/spend",
    tags: ["oracle"],
    summary: "Oracle spend by day, filter and model (failed calls included)",
    security: bearerSecurity,
    middleware: [readers] as const,
    request: { query: spendQuerySchema },
    responses: { 200: jsonResponse(spendReportSchema, "Spend rows and total"), ...errorResponses },
  }),
  async (c) => c.json(await oracleSpend(c.env, c.req.valid("query")), 200),
);

oracleRouter.openapi(
  createRoute({
    method: "post",
    path: "/oracle/calibration",
    tags: ["oracle"],
    summary: "Compare two labelings (models or prompt versions) on the articles both labelled",
    security: bearerSecurity,
    middleware: [readers, limitBody()] as const,
    request: { body: jsonBody(calibrationRequestSchema) },
    responses: { 200: jsonResponse(calibrationReportSchema, "The comparison"), ...errorResponses },
  }),
  async (c) => c.json(await compareLabelings(c.env, c.req.valid("json")), 200),
);
