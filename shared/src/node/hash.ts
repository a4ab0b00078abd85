/**
 * @module
 * `sha256HexSync`: the Node-only, synchronous twin of `sha256Hex` (same digest), for code that
 * cannot await — test harness setup, benchmark fixtures, synchronous parsers.
 */
import { createHash } from "node:crypto";

/**
 * Lower-case hex SHA-256 of `data` (a string is hashed as UTF-8), computed synchronously.
 * @example
 * sha256HexSync("abc"); // "ba7816bf…15ad"
 */
export function sha256HexSync(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}
