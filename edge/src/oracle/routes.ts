/**
 * @module
 * The oracle stage's endpoints: `PATCH /v1/jobs/{id}` (a new budget cap; resumes a paused oracle
 * job), `GET /v1/oracle/spend` (by day, filter and model), `POST /v1/oracle/calibration` (two
 * labelings of the same articles compared), and datasets (`POST /v1/datasets`, `GET
 * /v1/datasets/{id}`, `GET /v1/datasets/{id}/rows?split=`).
 */
import {
  calibrate,
  calibrationReportSchema,
  calibrationRequestSchema,
  DistilleryError,
  datasetCreateRequestSchema,
  datasetIdSchema,
  datasetRowsQuerySchema,
  datasetSchema,
  jobIdSchema,
  jobPatchRequestSchema,
  jobSchema,
  type LabelingPair,
  parseOrThrow,
  spendQuerySchema,
  spendReportSchema,
} from "@distillery/shared";
import { createRoute } from "@hono/zod-openapi";
import { and, eq, gte, lte, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { requireRole } from "../auth/middleware";
import { edgeConfig } from "../config";
import { database } from "../db/client";
import { oracleItems, oracleLabels } from "../db/schema";
import { limitBody } from "../routes/limits";
import { bearerSecurity, createRouter, errorResponses, jsonBody, jsonResponse } from "../routes/openapi";
import { createDataset, datasetRowsStream, getDataset } from "./datasets";
import { changeBudget } from "./jobs";
import { loadFilter } from "./store";

const jobIdParams = z.object({ id: jobIdSchema });
const datasetIdParams = z.object({ id: datasetIdSchema });
const readers = requireRole("bot", "node");

export const oracleRouter = createRouter();

oracleRouter.openapi(
  createRoute({
    method: "patch",
    path: "/jobs/{id}",
    tags: ["jobs"],
    summary: "Change an oracle job's budget cap; raising it resumes a job paused at its cap",
    security: bearerSecurity,
    middleware: [requireRole("bot"), limitBody()] as const,
    request: { params: jobIdParams, body: jsonBody(jobPatchRequestSchema) },
    responses: { 200: jsonResponse(jobSchema, "The job"), ...errorResponses },
  }),
  async (c) =>
    c.json(await changeBudget(c.env, c.req.valid("param").id, c.req.valid("json").budget_usd), 200),
);

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
  async (c) => {
    const query = c.req.valid("query");
    const conditions: SQL[] = [sql`${oracleItems.attempts} > 0`];
    if (query.filter) conditions.push(eq(oracleItems.filter, query.filter));
    if (query.since) conditions.push(gte(oracleItems.updated_at, query.since));
    if (query.until) conditions.push(lte(oracleItems.updated_at, query.until));
    const day = sql<string>`substr(${oracleItems.updated_at}, 1, 10)`;
    const rows = await database(c.env.DB)
      .select({
        day,
        filter: oracleItems.filter,
        model: oracleItems.model,
        calls: sql<number>`sum(${oracleItems.attempts})`,
        input_tokens: sql<number>`sum(${oracleItems.tokens_input})`,
        cached_tokens: sql<number>`sum(${oracleItems.tokens_cached})`,
        output_tokens: sql<number>`sum(${oracleItems.tokens_output})`,
        usd: sql<number>`sum(${oracleItems.cost_usd})`,
      })
      .from(oracleItems)
      .where(and(...conditions))
      .groupBy(day, oracleItems.filter, oracleItems.model)
      .orderBy(day, oracleItems.filter, oracleItems.model)
      .all();
    const total = rows.reduce((sum, row) => sum + row.usd, 0);
    const budget = edgeConfig(c.env).ORACLE_DAILY_BUDGET_USD;
    return c.json({ rows, total_usd: Math.round(total * 1e8) / 1e8, budget_usd_per_day: budget }, 200);
  },
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
  async (c) => {
    const request = c.req.valid("json");
    const filter = await loadFilter(c.env, request.filter, request.filter_version);
    const side = async (ref: { model?: string; prompt_hash?: string }) => {
      const conditions = [
        eq(oracleLabels.filter, filter.name),
        eq(oracleLabels.filter_version, filter.version),
      ];
      if (ref.model) conditions.push(eq(oracleLabels.model, ref.model));
      if (ref.prompt_hash) conditions.push(eq(oracleLabels.prompt_hash, ref.prompt_hash));
      const rows = await database(c.env.DB)
        .select()
        .from(oracleLabels)
        .where(and(...conditions))
        .all();
      return new Map(rows.map((r) => [r.article_id, r]));
    };
    const [a, b] = await Promise.all([side(request.a), side(request.b)]);
    const flat = (scores: unknown) =>
      Object.fromEntries(
        Object.entries(scores as Record<string, number | { score: number }>).map(([k, v]) => [
          k,
          typeof v === "number" ? v : v.score,
        ]),
      );
    const pairs: LabelingPair[] = [];
    for (const [id, left] of a) {
      const right = b.get(id);
      if (!right) continue;
      pairs.push({
        article_id: id,
        a: flat(left.scores),
        b: flat(right.scores),
        a_categories: left.categories as Record<string, string>,
        b_categories: right.categories as Record<string, string>,
      });
    }
    if (pairs.length === 0) {
      throw new DistilleryError("calibration.no_overlap", "no article is labelled by both sides", {
        status: 409,
        details: [{ path: "b", issue: "no labels in common with a" }],
      });
    }
    return c.json(calibrate(filter, pairs), 200);
  },
);

oracleRouter.openapi(
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

oracleRouter.openapi(
  createRoute({
    method: "get",
    path: "/datasets/{id}",
    tags: ["datasets"],
    summary: "A dataset and its validation report",
    security: bearerSecurity,
    middleware: [readers] as const,
    request: { params: datasetIdParams },
    responses: { 200: jsonResponse(datasetSchema, "The dataset"), ...errorResponses },
  }),
  async (c) => c.json(await getDataset(c.env, c.req.valid("param").id), 200),
);

// Streamed JSONL is not a JSON response, so this route is a plain one (validated by hand).
oracleRouter.get("/datasets/:id/rows", readers, async (c) => {
  const id = parseOrThrow(datasetIdSchema, c.req.param("id"), "request.invalid", "path", "id");
  const { split } = datasetRowsQuerySchema.parse(c.req.query());
  return new Response(await datasetRowsStream(c.env, id, split), {
    headers: { "content-type": "application/x-ndjson" },
  });
});
