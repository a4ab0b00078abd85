/**
 * @module
 * The drizzle handle over the `DB` binding. Cheap to create, so each request makes its own.
 */
import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

export function database(d1: D1Database) {
  return drizzle(d1, { schema });
}
export type Database = ReturnType<typeof database>;

/** Now as an ISO-8601 string, the format of every timestamp column. */
export function nowIso(): string {
  return new Date().toISOString();
}

/** A sortable, unique id: time-ordered prefix plus randomness (so cursors can page by id). */
export function newId(prefix: string): string {
  const time = Date.now().toString(36).padStart(9, "0");
  const random = crypto.getRandomValues(new Uint8Array(8));
  let tail = "";
  for (const byte of random) tail += byte.toString(36).padStart(2, "0");
  return `${prefix}_${time}${tail}`;
}
