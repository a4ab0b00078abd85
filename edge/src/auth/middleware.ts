/**
 * @module
 * Role checks. Every route under `/v1` except health, the OpenAPI document and the signed webhook
 * declares the roles it allows with `requireRole(...)`; `admin` is always allowed. A missing token is
 * 401 `auth.missing_token`, a valid token with the wrong role 403 `auth.forbidden`.
 *
 * @example
 * router.use("/articles/*", requireRole("submitter"));
 */
import { DISCORD_USER_HEADER, DistilleryError, type TokenRole } from "@distillery/shared";
import { createMiddleware } from "hono/factory";
import { database } from "../db/client";
import type { AppEnv } from "../env";
import { resolveToken } from "./tokens";

/** Allows requests whose token has one of `roles` (or is admin). */
export function requireRole(...roles: TokenRole[]) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const token = match?.[1];
    if (!token) {
      throw new DistilleryError("auth.missing_token", "send 'Authorization: Bearer <token>'", {
        status: 401,
      });
    }
    const auth = await resolveToken(database(c.env.DB), token);
    if (auth.role !== "admin" && !roles.includes(auth.role)) {
      throw new DistilleryError(
        "auth.forbidden",
        `a '${auth.role}' token may not do this; allowed roles: ${["admin", ...roles].join(", ")}`,
        { status: 403 },
      );
    }
    const discordUser = auth.role === "bot" ? (c.req.header(DISCORD_USER_HEADER) ?? null) : null;
    c.set("auth", { ...auth, discordUser });
    await next();
  });
}

/** How the audit log and `created_by` name the caller, e.g. `bot:alerts (discord:1234)`. */
export function actorName(auth: AppEnv["Variables"]["auth"]): string {
  const base = `${auth.role}:${auth.name}`;
  return auth.discordUser ? `${base} (discord:${auth.discordUser})` : base;
}
