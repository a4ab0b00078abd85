/**
 * @module
 * Bearer tokens. A token is `dst_` + 32 random bytes (base64url); only its SHA-256 is stored, so a
 * leaked database does not leak working tokens. Lookups are cached in the isolate for a few seconds
 * because every request needs one (revocation takes effect within `CACHE_MS`).
 */
import { DistilleryError, generateApiToken, hashApiToken, type TokenRole } from "@distillery/shared";
import { and, eq, isNull } from "drizzle-orm";
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

/** Creates a new random token secret (same format the CLI writes). */
export const generateToken = generateApiToken;

/** Hex SHA-256 of a token: what `api_tokens.token_hash` holds. */
export const hashToken = hashApiToken;

/** Resolves a bearer token to its role, or throws `auth.invalid_token` (401). */
export async function resolveToken(db: Database, token: string): Promise<Omit<AuthContext, "discordUser">> {
  const hash = await hashToken(token);
  const cached = cache.get(hash);
  if (cached && cached.until > Date.now()) return cached.auth;
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
  return auth;
}

/** Drops cached lookups (after a revocation in this isolate). */
export function forgetCachedTokens(): void {
  cache.clear();
}
