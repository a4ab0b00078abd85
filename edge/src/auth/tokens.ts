/**
 * @module
 * Bearer tokens. A token is `dst_` + 32 random bytes (base64url); only its SHA-256 is stored, so a
 * leaked database does not leak working tokens. Lookups are cached in the isolate for a few seconds
 * because every request needs one (revocation takes effect within `CACHE_MS`; revoking through the API
 * also closes the token's open WebSockets). `last_used_at` is written on use, at most once a minute per
 * token (`LAST_USED_WRITE_MS`), so authentication does not add a D1 write to every request.
 */
import { DistilleryError, generateApiToken, hashApiToken, type TokenRole } from "@distillery/shared";
import { and, eq, isNull, lt, or } from "drizzle-orm";
import type { Database } from "../db/client";
import { apiTokens } from "../db/schema";

export type AuthContext = {
  tokenId: string;
  role: TokenRole;
  name: string;
  /** The chat user a bot acts for, from the `x-distillery-discord-user` header (bot tokens only). */
  discordUser: string | null;
};

const CACHE_MS = 5_000;
const cache = new Map<string, { auth: Omit<AuthContext, "discordUser">; until: number }>();

/** How stale `api_tokens.last_used_at` may get: one write per token per this period (per isolate). */
export const LAST_USED_WRITE_MS = 60_000;
const lastUsedWritten = new Map<string, number>();

/** Creates a new random token secret (same format the CLI writes). */
export const generateToken = generateApiToken;

/** Hex SHA-256 of a token: what `api_tokens.token_hash` holds. */
export const hashToken = hashApiToken;

/** Resolves a bearer token to its role, or throws `auth.invalid_token` (401). */
export async function resolveToken(db: Database, token: string): Promise<Omit<AuthContext, "discordUser">> {
  const hash = await hashToken(token);
  const cached = cache.get(hash);
  if (cached && cached.until > Date.now()) {
    await recordUse(db, cached.auth.tokenId);
    return cached.auth;
  }
  const row = await db
    .select({ id: apiTokens.id, role: apiTokens.role, name: apiTokens.name })
    .from(apiTokens)
    .where(and(eq(apiTokens.token_hash, hash), isNull(apiTokens.revoked_at)))
    .get();
  if (!row) {
    cache.delete(hash);
    throw new DistilleryError("auth.invalid_token", "the bearer token is unknown or revoked", {
      status: 401,
    });
  }
  const auth = { tokenId: row.id, role: row.role, name: row.name };
  cache.set(hash, { auth, until: Date.now() + CACHE_MS });
  await recordUse(db, auth.tokenId);
  return auth;
}

/**
 * Writes `last_used_at` of an active token unless this isolate did so in the last minute (the row's own
 * time is checked too, so many isolates still write about once a minute).
 */
export async function recordUse(db: Database, tokenId: string): Promise<void> {
  const now = Date.now();
  if (now - (lastUsedWritten.get(tokenId) ?? 0) < LAST_USED_WRITE_MS) return;
  lastUsedWritten.set(tokenId, now);
  const staleBefore = new Date(now - LAST_USED_WRITE_MS).toISOString();
  await db
    .update(apiTokens)
    .set({ last_used_at: new Date(now).toISOString() })
    .where(
      and(
        eq(apiTokens.id, tokenId),
        isNull(apiTokens.revoked_at),
        or(isNull(apiTokens.last_used_at), lt(apiTokens.last_used_at, staleBefore)),
      ),
    )
    .run();
}

/** Whether the token with this id exists and is not revoked (uncached). */
export async function isActive(db: Database, tokenId: string): Promise<boolean> {
  const row = await db
    .select({ id: apiTokens.id })
    .from(apiTokens)
    .where(and(eq(apiTokens.id, tokenId), isNull(apiTokens.revoked_at)))
    .get();
  return row !== undefined;
}

/** Drops cached lookups (after a revocation in this isolate). */
export function forgetCachedTokens(): void {
  cache.clear();
}
