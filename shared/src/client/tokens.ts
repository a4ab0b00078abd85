/**
 * @module
 * API token format and hashing, shared by the edge (which stores only hashes) and the CLI (which can
 * write a token straight into a local database). A token is `dst_` + 32 random bytes in base64url;
 * the stored form is its SHA-256 in hex.
 */
import { sha256Hex } from "../hash/index";

/** A new random API token. */
export function generateApiToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `dst_${btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "")}`;
}

/** Hex SHA-256 of a token: what the edge stores and looks tokens up by. */
export async function hashApiToken(token: string): Promise<string> {
  return sha256Hex(token);
}
