/**
 * @module
 * `GET /v1/datasets`: the datasets built so far, newest first, cursor-paginated, optionally one
 * filter's (what the bot offers in autocomplete). Building one and reading one with its rows belong to
 * the oracle stage (`oracle/routes.ts`).
 */
import { catalogListQuerySchema, type Dataset, datasetSchema, pageSchema } from "@distillery/shared";
import { createRoute } from "@hono/zod-openapi";
import { and, desc, eq, lt, type SQL } from "drizzle-orm";
import { requireRole } from "../auth/middleware";
import { database } from "../db/client";
import { datasets } from "../db/schema";
import { bearerSecurity, createRouter, errorResponses, jsonResponse } from "./openapi";

export const datasetsRouter = createRouter();

datasetsRouter.openapi(
  createRoute({
    method: "get",
    path: "/datasets",
    tags: ["datasets"],
    summary: "Datasets, newest first, optionally of one filter",
    security: bearerSecurity,
    middleware: [requireRole("bot", "node")] as const,
    request: { query: catalogListQuerySchema },
    responses: { 200: jsonResponse(pageSchema(datasetSchema), "A page of datasets"), ...errorResponses },
  }),
  async (c) => {
    const query = c.req.valid("query");
    const conditions: SQL[] = [];
    if (query.filter) conditions.push(eq(datasets.filter, query.filter));
    if (query.cursor) conditions.push(lt(datasets.id, query.cursor));
    const rows = await database(c.env.DB)
      .select()
      .from(datasets)
      .where(and(...conditions))
      .orderBy(desc(datasets.id))
      .limit(query.limit + 1)
      .all();
    const items = rows.slice(0, query.limit).map(
      (row): Dataset => ({
        id: row.id,
        filter: row.filter,
        filter_version: row.filter_version,
        seed: row.seed,
        report: row.report as Dataset["report"],
        content_hash: row.content_hash,
        created_at: row.created_at,
      }),
    );
    return c.json({ items, next_cursor: rows.length > query.limit ? items.at(-1)!.id : null }, 200);
  },
);
