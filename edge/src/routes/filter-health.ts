/**
 * @module
 * The drift audit's API: `GET /v1/filters/{name}/health` (the audit time series newest first, the
 * bands in force, the promoted model audited and when the next audit is due) and
 * `POST /v1/filters/{name}/audit` (admin: start an audit now, whatever the schedule). The service's
 * own health is `routes/health.ts`.
 */
import {
  DistilleryError,
  filterHealthPointSchema,
  filterHealthResponseSchema,
  slugSchema,
} from "@distillery/shared";
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { recordAudit } from "../audit";
import { requireRole } from "../auth/middleware";
import { database } from "../db/client";
import { startAudit } from "../drift/index";
import { auditSettingsOf, nextDueAt } from "../drift/settings";
import { healthSeries, latestAudit, toHealthPoint } from "../drift/store";
import { loadFilter } from "../filters/store";
import { getPromotion } from "../promotion/store";
import { bearerSecurity, createRouter, errorResponses, jsonResponse } from "./openapi";

export const filterHealthRouter = createRouter();

const params = z.object({ name: slugSchema });

filterHealthRouter.openapi(
  createRoute({
    method: "get",
    path: "/filters/{name}/health",
    tags: ["filters"],
    summary: "The filter's drift audits, newest first, with the bands and the next due time",
    security: bearerSecurity,
    middleware: [requireRole("bot", "submitter")] as const,
    request: {
      params,
      query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(52) }),
    },
    responses: { 200: jsonResponse(filterHealthResponseSchema, "The audit time series"), ...errorResponses },
  }),
  async (c) => {
    const { name } = c.req.valid("param");
    const settings = auditSettingsOf(await loadFilter(c.env, name));
    const promotion = await getPromotion(c.env, name);
    const points = await healthSeries(c.env, name, c.req.valid("query").limit);
    const latest = points[0] ?? null;
    const dueNow = new Date().toISOString();
    const nextDue =
      !settings.enabled || !promotion
        ? null
        : latest
          ? nextDueAt(latest.started_at, settings.every_days)
          : dueNow;
    return c.json(
      filterHealthResponseSchema.parse({
        filter: name,
        enabled: settings.enabled,
        every_days: settings.every_days,
        bands: settings.bands,
        model_id: promotion?.model_id ?? null,
        next_due_at: nextDue,
        points,
      }),
      200,
    );
  },
);

filterHealthRouter.openapi(
  createRoute({
    method: "post",
    path: "/filters/{name}/audit",
    tags: ["filters"],
    summary: "Start a drift audit of the filter now (admin)",
    security: bearerSecurity,
    middleware: [requireRole()] as const,
    request: { params },
    responses: { 202: jsonResponse(filterHealthPointSchema, "The audit, running"), ...errorResponses },
  }),
  async (c) => {
    const { name } = c.req.valid("param");
    const row = await startAudit(c.env, name, { force: true });
    if (!row) {
      const running = await latestAudit(c.env, name);
      throw new DistilleryError(
        "drift.audit_running",
        `an audit of '${name}' is already running (${running?.id}); wait for it to end`,
        {
          status: 409,
        },
      );
    }
    await recordAudit(database(c.env.DB), c.get("auth"), {
      action: "filter.audit",
      targetType: "filter",
      targetId: name,
      details: { audit_id: row.id },
    });
    return c.json(toHealthPoint(row), 202);
  },
);
