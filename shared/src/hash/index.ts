/**
 * @module
 * The one SHA-256 hex digest, on WebCrypto so it runs in workerd, Node and the browser. Token hashes,
 * article content hashes, prompt hashes and dataset content hashes all go through it. Node-only code
 * that cannot await uses `sha256HexSync` from `@distillery/shared/node`, which gives the same digest.
 */

/**
 * Lower-case hex SHA-256 of `data` (a string is hashed as UTF-8).
 * @example
 * await sha256Hex("abc"); // "ba7816bf…15ad"
 */
export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
