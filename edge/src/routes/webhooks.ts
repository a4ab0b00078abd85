/**
 * @module
 * `POST /v1/webhooks/articles`: articles pushed by senders using Standard Webhooks (any Standard
 * Webhooks or Svix library works; see docs/webhooks.md). The signature is the authentication, so no
 * bearer token. A secret posts articles only for the `source` it was created for. A replayed
 * `webhook-id` (per source: ids are unique per sender only) is acknowledged with the stored id and
 * stores nothing. `/v1/webhooks/secrets` (admin) creates, lists and revokes the per-source secrets.
 */

import {
  DistilleryError,
  pageSchema,
  parseOrThrow,
  webhookAckSchema,
  webhookArticlePayloadSchema,
  webhookSecretCreatedSchema,
  webhookSecretCreateRequestSchema,
  webhookSecretIdSchema,
  webhookSecretSchema,
} from "@distillery/shared";
import { createRoute } from "@hono/zod-openapi";
import { and, desc, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import { storeArticles } from "../articles/store";
import { recordAudit } from "../audit";
import { requireRole } from "../auth/middleware";
import { database, newId, nowIso } from "../db/client";
import { webhookDeliveries, webhookSecrets } from "../db/schema";
import { notFound } from "../errors";
import { generateWebhookSecret, verifyWebhook } from "../webhooks/verify";
import { limitBody } from "./limits";
import { bearerSecurity, createRouter, errorResponses, jsonBody, jsonResponse } from "./openapi";
import { decodeUtf8 } from "./utf8";

export const webhooksRouter = createRouter();
const admin = requireRole();

const webhookHeadersSchema = z.object({
  "webhook-id": z.string().min(1).max(256),
  "webhook-timestamp": z.string().min(1).max(20),
  "webhook-signature": z.string().min(1).max(4096),
});

const receiveRoute = createRoute({
  method: "post",
  path: "/webhooks/articles",
  tags: ["webhooks"],
  summary: "Receive one article signed per Standard Webhooks (201 stored, 200 already stored or replayed)",
  request: {
    headers: webhookHeadersSchema,
    body: {
      required: true,
      description: "A Standard Webhooks payload: { type, timestamp, data: ArticleInput }",
      content: { "application/json": { schema: webhookArticlePayloadSchema } },
    },
  },
  responses: {
    200: jsonResponse(webhookAckSchema, "Already stored, or a replayed webhook-id"),
    201: jsonResponse(webhookAckSchema, "Stored"),
    ...errorResponses,
  },
});

// Documented from the route above but registered without its body validator: the signature must be
// checked on the exact bytes received, before anything parses them.
webhooksRouter.openAPIRegistry.registerPath(receiveRoute);
webhooksRouter.post("/webhooks/articles", limitBody(), async (c) => {
  const headers = parseOrThrow(
    webhookHeadersSchema,
    Object.fromEntries(c.req.raw.headers),
    "webhook.invalid_signature",
    "webhook headers",
  );
  const body = new Uint8Array(await c.req.arrayBuffer());
  const db = database(c.env.DB);
  const secrets = await db
    .select({ id: webhookSecrets.id, source: webhookSecrets.source, secret: webhookSecrets.secret })
    .from(webhookSecrets)
    .where(isNull(webhookSecrets.revoked_at))
    .all();
  const secret = await verifyWebhook(
    {
      id: headers["webhook-id"],
      timestamp: headers["webhook-timestamp"],
      signature: headers["webhook-signature"],
    },
    body,
    secrets,
  );
  const seen = await db
    .select()
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.source, secret.source),
        eq(webhookDeliveries.webhook_id, headers["webhook-id"]),
      ),
    )
    .get();
  if (seen) return c.json({ id: seen.article_id, created: false, replayed: true }, 200);
  const payload = parseOrThrow(
    webhookArticlePayloadSchema,
    JSON.parse(decodeUtf8(body)),
    "request.invalid",
    "webhook payload",
  );
  if (payload.data.source !== secret.source) {
    throw new DistilleryError(
      "webhook.source_mismatch",
      `this secret was created for source '${secret.source}' and cannot post articles for '${payload.data.source}'`,
      { status: 403, details: [{ path: "data.source", issue: `must be '${secret.source}'` }] },
    );
  }
  const [result] = await storeArticles(c.env, [payload.data]);
  if (!result) throw new Error("storeArticles returned no result for one article");
  await db
    .insert(webhookDeliveries)
    .values({ webhook_id: headers["webhook-id"], source: secret.source, article_id: result.id })
    .onConflictDoNothing();
  return c.json({ ...result, replayed: false }, result.created ? 201 : 200);
});

webhooksRouter.openapi(
  createRoute({
    method: "post",
    path: "/webhooks/secrets",
    tags: ["webhooks"],
    summary: "Create a signing secret for a source (shown once); a source may have several for rotation",
    security: bearerSecurity,
    middleware: [admin, limitBody()] as const,
    request: { body: jsonBody(webhookSecretCreateRequestSchema) },
    responses: { 201: jsonResponse(webhookSecretCreatedSchema, "The new secret"), ...errorResponses },
  }),
  async (c) => {
    const { source } = c.req.valid("json");
    const db = database(c.env.DB);
    const row = await db
      .insert(webhookSecrets)
      .values({ id: newId("whs"), source, secret: generateWebhookSecret(), created_at: nowIso() })
      .returning()
      .get();
    await recordAudit(db, c.get("auth"), {
      action: "webhook_secret.create",
      targetType: "webhook_secret",
      targetId: row.id,
      details: { source },
    });
    return c.json(row, 201);
  },
);

webhooksRouter.openapi(
  createRoute({
    method: "get",
    path: "/webhooks/secrets",
    tags: ["webhooks"],
    summary: "List signing secrets (never the secrets themselves)",
    security: bearerSecurity,
    middleware: [admin] as const,
    responses: { 200: jsonResponse(pageSchema(webhookSecretSchema), "All secrets"), ...errorResponses },
  }),
  async (c) => {
    const rows = await database(c.env.DB)
      .select({
        id: webhookSecrets.id,
        source: webhookSecrets.source,
        created_at: webhookSecrets.created_at,
        revoked_at: webhookSecrets.revoked_at,
      })
      .from(webhookSecrets)
      .orderBy(desc(webhookSecrets.id))
      .all();
    return c.json({ items: rows, next_cursor: null }, 200);
  },
);

webhooksRouter.openapi(
  createRoute({
    method: "post",
    path: "/webhooks/secrets/{id}/revoke",
    tags: ["webhooks"],
    summary: "Revoke a signing secret; messages signed with it are refused from then on",
    security: bearerSecurity,
    middleware: [admin] as const,
    request: { params: z.object({ id: webhookSecretIdSchema }) },
    responses: { 200: jsonResponse(webhookSecretSchema, "The revoked secret"), ...errorResponses },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const db = database(c.env.DB);
    await db
      .update(webhookSecrets)
      .set({ revoked_at: nowIso() })
      .where(and(eq(webhookSecrets.id, id), isNull(webhookSecrets.revoked_at)));
    const row = await db.select().from(webhookSecrets).where(eq(webhookSecrets.id, id)).get();
    if (!row) throw notFound("webhook_secret", id);
    await recordAudit(db, c.get("auth"), {
      action: "webhook_secret.revoke",
      targetType: "webhook_secret",
      targetId: id,
    });
    const { secret: _secret, ...info } = row;
    return c.json(info, 200);
  },
);
