/**
 * @module
 * Standard Webhooks verification (https://www.standardwebhooks.com): the sender signs
 * `"{webhook-id}.{webhook-timestamp}.{body}"` with HMAC-SHA256 under a `whsec_<base64 key>` secret and
 * sends `webhook-signature: v1,<base64 signature>` (several, space-separated, during rotation). We
 * accept a message when any v1 signature verifies under any active secret and the timestamp is
 * within five minutes of now. The signature is checked on the body's exact bytes, before anything
 * decodes them. `crypto.subtle.verify` compares in constant time.
 */
import { DistilleryError } from "@distillery/shared";

export const TIMESTAMP_TOLERANCE_S = 5 * 60;
const SECRET_PREFIX = "whsec_";

export type WebhookHeaders = { id: string; timestamp: string; signature: string };
export type WebhookSecret = { id: string; source: string; secret: string };

function base64ToBytes(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** A new `whsec_` secret with a 32-byte key. */
export function generateWebhookSecret(): string {
  return `${SECRET_PREFIX}${bytesToBase64(crypto.getRandomValues(new Uint8Array(32)))}`;
}

function importKey(secret: string): Promise<CryptoKey> {
  const raw = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  return crypto.subtle.importKey("raw", base64ToBytes(raw), { name: "HMAC", hash: "SHA-256" }, false, [
    "verify",
  ]);
}

function refuse(message: string): DistilleryError {
  return new DistilleryError("webhook.invalid_signature", message, { status: 401 });
}

/**
 * Returns the secret that signed the message, or throws `webhook.invalid_signature` (401) /
 * `webhook.stale_timestamp` (401).
 */
export async function verifyWebhook(
  headers: WebhookHeaders,
  body: Uint8Array,
  secrets: WebhookSecret[],
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<WebhookSecret> {
  const timestamp = Number(headers.timestamp);
  if (!/^\d{1,12}$/.test(headers.timestamp) || !Number.isSafeInteger(timestamp)) {
    throw refuse("webhook-timestamp must be Unix seconds");
  }
  if (Math.abs(nowSeconds - timestamp) > TIMESTAMP_TOLERANCE_S) {
    throw new DistilleryError(
      "webhook.stale_timestamp",
      `webhook-timestamp is more than ${TIMESTAMP_TOLERANCE_S / 60} minutes from the server's clock`,
      { status: 401 },
    );
  }
  const signatures: Uint8Array[] = [];
  for (const entry of headers.signature.split(" ")) {
    const [version, value] = entry.split(",", 2);
    if (version !== "v1" || !value) continue;
    try {
      signatures.push(base64ToBytes(value));
    } catch {
      // A malformed signature simply does not match.
    }
  }
  if (signatures.length === 0) throw refuse("webhook-signature has no v1 signature");
  const prefix = new TextEncoder().encode(`${headers.id}.${headers.timestamp}.`);
  const signed = new Uint8Array(prefix.length + body.length);
  signed.set(prefix);
  signed.set(body, prefix.length);
  for (const secret of secrets) {
    let key: CryptoKey;
    try {
      key = await importKey(secret.secret);
    } catch (error) {
      console.error(`webhook secret ${secret.id} cannot be used as an HMAC key`, error);
      continue;
    }
    for (const signature of signatures) {
      if (await crypto.subtle.verify("HMAC", key, signature, signed)) return secret;
    }
  }
  throw refuse("no webhook-signature matches an active secret");
}
