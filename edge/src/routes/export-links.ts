/**
 * @module
 * `POST /v1/exports/links`: a signed, expiring URL of a labels or predictions export that downloads
 * with no token (for a chat message, a browser, a colleague without an API token). The link is the
 * export's own URL (`/v1/exports/labels|predictions?...`) with `expires` and `signature` added; see
 * `exports/signing.ts`. A predictions link for a filter names the filter's newest model. Audited.
 * The link's scheme and host are `PUBLIC_URL` when it is set, so a forged `Host` header cannot point a
 * link elsewhere; unset (a local edge), they are the request's.
 */
import { DistilleryError, exportLinkRequestSchema, exportLinkSchema } from "@distillery/shared";
import { createRoute } from "@hono/zod-openapi";
import { desc, eq } from "drizzle-orm";
import { recordAudit } from "../audit";
import { requireRole } from "../auth/middleware";
import { edgeConfig } from "../config";
import { database } from "../db/client";
import { studentModels } from "../db/schema";
import { signExportUrl } from "../exports/signing";
import { getFilterRecord } from "../filters/store";
import { limitBody } from "./limits";
import { bearerSecurity, createRouter, errorResponses, jsonBody, jsonResponse } from "./openapi";

export const exportLinksRouter = createRouter();

exportLinksRouter.openapi(
  createRoute({
    method: "post",
    path: "/exports/links",
    tags: ["exports"],
    summary: "A signed, expiring download link of a labels or predictions export (no token needed)",
    security: bearerSecurity,
    middleware: [requireRole("bot", "submitter"), limitBody()] as const,
    request: { body: jsonBody(exportLinkRequestSchema) },
    responses: { 201: jsonResponse(exportLinkSchema, "The link and when it expires"), ...errorResponses },
  }),
  async (c) => {
    const request = c.req.valid("json");
    // A bad PUBLIC_URL is the operator's error: edgeConfig answers 500 `config.invalid` naming it.
    const url = new URL(`/v1/exports/${request.kind}`, edgeConfig(c.env).PUBLIC_URL ?? c.req.url);
    const params = url.searchParams;
    if (request.kind === "labels") {
      // An unknown filter or version is refused now rather than when someone opens the link.
      const record = await getFilterRecord(c.env, request.filter!, request.version);
      params.set("filter", record.name);
      if (request.version) params.set("version", String(record.version));
    } else if (request.job_id) {
      params.set("job_id", request.job_id);
    } else {
      const modelId = request.model_id ?? (await newestModel(c.env.DB, request.filter!));
      params.set("model_id", modelId);
    }
    params.set("format", request.format);
    const link = await signExportUrl(c.env, url, request.expires_in_s);
    await recordAudit(database(c.env.DB), c.get("auth"), {
      action: "export.link",
      targetType: "export",
      targetId: `${request.kind}:${params.get("filter") ?? params.get("model_id") ?? params.get("job_id")}`,
      details: { format: request.format, expires_at: link.expires_at },
    });
    return c.json(link, 201);
  },
);

async function newestModel(db: D1Database, filter: string): Promise<string> {
  const row = await database(db)
    .select({ id: studentModels.id })
    .from(studentModels)
    .where(eq(studentModels.filter, filter))
    .orderBy(desc(studentModels.created_at), desc(studentModels.id))
    .get();
  if (!row) {
    throw new DistilleryError("model.not_found", `filter '${filter}' has no trained model to export from`, {
      status: 404,
      details: [{ path: "filter", issue: "no model yet" }],
    });
  }
  return row.id;
}
