/**
 * @module
 * Signed, expiring export links. A link is the export's own URL plus `expires` (unix seconds) and
 * `signature`: hex HMAC-SHA256 over the path and every other query parameter, sorted, so no parameter
 * can be changed or added without breaking it. The key is `EXPORT_SIGNING_KEY`; when that is unset (a
 * local edge), a random 256-bit key is generated on first use and kept in R2 under
 * `secrets/export-signing-key`, so links survive restarts and each data folder has its own key.
 * Verification uses `crypto.subtle.verify`, which compares in constant time. `exportAccess` lets a
 * request in with either a valid unexpired signature or a bearer token of the given roles.
 *
 * @example
 * const url = await signExportUrl(env, new URL("https://edge/v1/exports/labels?filter=x"), 3600);
 */
import { DistilleryError, type TokenRole } from "@distillery/shared";
import { createMiddleware } from "hono/factory";
import { requireRole } from "../auth/middleware";
import { edgeConfig } from "../config";
import type { AppEnv, Env } from "../env";

const STORED_KEY = "secrets/export-signing-key";
const encoder = new TextEncoder();

/** The signing secret: the configured one, or this database's generated one. */
async function signingSecret(env: Env): Promise<string> {
  const configured = edgeConfig(env).EXPORT_SIGNING_KEY;
  if (configured) return configured;
  const stored = await env.BUCKET.get(STORED_KEY);
  if (stored) return stored.text();
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const secret = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  await env.BUCKET.put(STORED_KEY, secret);
  // Two first uses at once: the last write wins; read it back so this link uses the key that stays.
  return (await env.BUCKET.get(STORED_KEY))!.text();
}

async function hmacKey(env: Env): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    "raw",
    encoder.encode(await signingSecret(env)),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign", "verify"],
  );
}

/** What is signed: the path, then every query parameter but `signature`, sorted. */
function canonical(url: URL): string {
  const params = new URLSearchParams(url.searchParams);
  params.delete("signature");
  params.sort();
  return `${url.pathname}?${params}`;
}

/** Adds `expires` and `signature` to `url` (an export URL); returns the link and when it expires. */
export async function signExportUrl(
  env: Env,
  url: URL,
  expiresInS: number,
): Promise<{ url: string; expires_at: string }> {
  const expires = Math.floor(Date.now() / 1000) + expiresInS;
  url.searchParams.set("expires", String(expires));
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(env), encoder.encode(canonical(url)));
  const hex = [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("");
  url.searchParams.set("signature", hex);
  return { url: url.toString(), expires_at: new Date(expires * 1000).toISOString() };
}

function refused(issue: string, path = "signature"): DistilleryError {
  return new DistilleryError("export.link_invalid", `this export link is not valid: ${issue}`, {
    status: 403,
    details: [{ path, issue }],
  });
}

/** Throws unless `url` carries a valid signature that has not expired. */
export async function verifyExportUrl(env: Env, url: URL): Promise<void> {
  const signature = url.searchParams.get("signature") ?? "";
  const expires = Number(url.searchParams.get("expires"));
  if (!/^[0-9a-f]{64}$/.test(signature)) throw refused("signature must be 64 hex digits");
  if (!Number.isSafeInteger(expires)) throw refused("expires must be unix seconds", "expires");
  const bytes = new Uint8Array(signature.match(/../g)!.map((h) => Number.parseInt(h, 16)));
  const valid = await crypto.subtle.verify("HMAC", await hmacKey(env), bytes, encoder.encode(canonical(url)));
  if (!valid) throw refused("the signature does not match; the link was changed or signed by another edge");
  if (expires * 1000 < Date.now()) {
    throw new DistilleryError(
      "export.link_expired",
      `this export link expired at ${new Date(expires * 1000).toISOString()}; ask for a new one`,
      { status: 403, details: [{ path: "expires", issue: "in the past" }] },
    );
  }
}

/** Lets a request in with a valid signed link, or else with a bearer token of one of `roles`. */
export function exportAccess(...roles: TokenRole[]) {
  const bearer = requireRole(...roles);
  return createMiddleware<AppEnv>(async (c, next) => {
    const url = new URL(c.req.url);
    if (!url.searchParams.has("signature") && !url.searchParams.has("expires")) return bearer(c, next);
    await verifyExportUrl(c.env, url);
    await next();
  });
}
