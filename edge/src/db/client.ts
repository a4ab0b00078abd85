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

/** A sortable, unique id (time-ordered, so cursors can page by id); the one generator, from `@distillery/shared`. */
export { newId } from "@distillery/shared";
