/**
 * @module
 * `/v1/tokens` (admin only): create a token (the secret is shown once), list tokens, revoke one.
 * The CLI's `tokens` command uses these against a deployed edge. Revoking a token also closes every
 * WebSocket opened with it (node sockets and `/v1/events` subscribers, close code 4002).
 */

import {
  pageQuerySchema,
  pageSchema,
  tokenCreatedSchema,
  tokenCreateRequestSchema,
  tokenIdSchema,
  tokenInfoSchema,
} from "@distillery/shared";
import { createRoute } from "@hono/zod-openapi";
import { and, desc, eq, isNull, lt } from "drizzle-orm";
import { z } from "zod";
import { recordAudit } from "../audit";
import { requireRole } from "../auth/middleware";
import { forgetCachedTokens, generateToken, hashToken } from "../auth/tokens";
import { database, newId, nowIso } from "../db/client";
import { paginate } from "../db/pagination";
import { apiTokens } from "../db/schema";
import { notFound } from "../errors";
import { nodeHub } from "../hub/nodes";
import { limitBody } from "./limits";
import { bearerSecurity, createRouter, errorResponses, jsonBody, jsonResponse } from "./openapi";

export const tokensRouter = createRouter();
const admin = requireRole();

function tokenInfo(row: typeof apiTokens.$inferSelect) {
  const { token_hash: _hash, ...info } = row;
  return info;
}

tokensRouter.openapi(
  createRoute({
    method: "post",
    path: "/tokens",
    tags: ["tokens"],
    summary: "Create a token with a role; the token itself is only in this response",
    security: bearerSecurity,
    middleware: [admin, limitBody()] as const,
    request: { body: jsonBody(tokenCreateRequestSchema) },
    responses: { 201: jsonResponse(tokenCreatedSchema, "The new token"), ...errorResponses },
  }),
  async (c) => {
    const { role, name } = c.req.valid("json");
    const auth = c.get("auth");
    const token = generateToken();
    const db = database(c.env.DB);
    const id = newId("tok");
    const row = await db
      .insert(apiTokens)
      .values({
        id,
        name: name ?? `${role}-${id.slice(-6)}`,
        role,
        token_hash: await hashToken(token),
        created_by: `${auth.role}:${auth.name}`,
        created_at: nowIso(),
      })
      .returning()
      .get();
    await recordAudit(db, auth, {
      action: "token.create",
      targetType: "token",
      targetId: id,
      details: { role },
    });
    return c.json({ ...tokenInfo(row), token }, 201);
  },
);

tokensRouter.openapi(
  createRoute({
    method: "get",
    path: "/tokens",
    tags: ["tokens"],
    summary: "List tokens (never their secrets), newest first",
    security: bearerSecurity,
    middleware: [admin] as const,
    request: { query: pageQuerySchema },
    responses: { 200: jsonResponse(pageSchema(tokenInfoSchema), "A page of tokens"), ...errorResponses },
  }),
  async (c) => {
    const { cursor, limit } = c.req.valid("query");
    const page = await paginate({
      limit,
      fetchRows: (take) =>
        database(c.env.DB)
          .select()
          .from(apiTokens)
          .where(cursor ? lt(apiTokens.id, cursor) : undefined)
          .orderBy(desc(apiTokens.id))
          .limit(take)
          .all(),
      toItem: tokenInfo,
      cursorOf: (row) => row.id,
    });
    return c.json(page, 200);
  },
);

tokensRouter.openapi(
  createRoute({
    method: "post",
    path: "/tokens/{id}/revoke",
    tags: ["tokens"],
    summary: "Revoke a token; requests with it fail from then on",
    security: bearerSecurity,
    middleware: [admin] as const,
    request: { params: z.object({ id: tokenIdSchema }) },
    responses: { 200: jsonResponse(tokenInfoSchema, "The revoked token"), ...errorResponses },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const db = database(c.env.DB);
    const row = await db
      .update(apiTokens)
      .set({ revoked_at: nowIso() })
      .where(and(eq(apiTokens.id, id), isNull(apiTokens.revoked_at)))
      .returning()
      .get();
    const current = row ?? (await db.select().from(apiTokens).where(eq(apiTokens.id, id)).get());
    if (!current) throw notFound("token", id);
    forgetCachedTokens();
    const events = c.env.EVENTS.get(c.env.EVENTS.idFromName("events"));
    const [nodeSockets, eventSockets] = await Promise.all([
      nodeHub(c.env).closeSocketsOfToken(id),
      events.closeSocketsOfToken(id),
    ]);
    if (nodeSockets + eventSockets > 0) {
      console.log(`tokens: revoked ${id}; closed ${nodeSockets} node and ${eventSockets} event sockets`);
    }
    await recordAudit(db, c.get("auth"), { action: "token.revoke", targetType: "token", targetId: id });
    return c.json(tokenInfo(current), 200);
  },
);
