/**
 * @module
 * `GET /v1/audit` (admin): who (token, and the Discord user behind a bot token) started, changed or
 * cancelled what, newest first, optionally for one target.
 */

import { auditEntrySchema, auditListQuerySchema, pageSchema } from "@distillery/shared";
import { createRoute } from "@hono/zod-openapi";
import { and, desc, eq, lt, type SQL } from "drizzle-orm";
import { requireRole } from "../auth/middleware";
import { database } from "../db/client";
import { decodeSequenceCursor, paginate } from "../db/pagination";
import { auditLog } from "../db/schema";
import { bearerSecurity, createRouter, errorResponses, jsonResponse } from "./openapi";

export const auditRouter = createRouter();

auditRouter.openapi(
  createRoute({
    method: "get",
    path: "/audit",
    tags: ["audit"],
    summary: "The audit log, newest first",
    security: bearerSecurity,
    middleware: [requireRole()] as const,
    request: { query: auditListQuerySchema },
    responses: { 200: jsonResponse(pageSchema(auditEntrySchema), "A page of entries"), ...errorResponses },
  }),
  async (c) => {
    const query = c.req.valid("query");
    const conditions: SQL[] = [];
    if (query.target_type) conditions.push(eq(auditLog.target_type, query.target_type));
    if (query.target_id) conditions.push(eq(auditLog.target_id, query.target_id));
    const before = decodeSequenceCursor(query.cursor);
    if (before !== undefined) conditions.push(lt(auditLog.id, before));
    const page = await paginate({
      limit: query.limit,
      fetchRows: (take) =>
        database(c.env.DB)
          .select()
          .from(auditLog)
          .where(and(...conditions))
          .orderBy(desc(auditLog.id))
          .limit(take)
          .all(),
      toItem: (r) => ({ ...r, details: (r.details as Record<string, unknown> | null) ?? null }),
      cursorOf: (row) => row.id,
    });
    return c.json(page, 200);
  },
);
