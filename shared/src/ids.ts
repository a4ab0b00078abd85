/**
 * @module
 * Row ids: a prefix, then the time in base 36 and random characters, so ids sort by creation time and
 * cursors can page by id. The edge makes every id with it, and so does the CLI when it writes a row
 * straight into a local database (`distillery tokens create`), so both list in the same order.
 *
 * @example
 * newId("tok"); // "tok_0mhx3k2a91k3f0z2c8q7d1e4b"
 */

/** A sortable, unique id: `<prefix>_` + 9 base-36 digits of the time in ms + 16 random characters. */
export function newId(prefix: string): string {
  const time = Date.now().toString(36).padStart(9, "0");
  const random = crypto.getRandomValues(new Uint8Array(8));
  let tail = "";
  for (const byte of random) tail += byte.toString(36).padStart(2, "0");
  return `${prefix}_${time}${tail}`;
}
