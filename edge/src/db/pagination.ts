/**
 * @module
 * Cursor pagination for every list endpoint: fetch `limit + 1` rows in cursor order, keep `limit`, and
 * hand out the last kept row's cursor only when the extra row showed there is more. A cursor is an
 * opaque string to the client; lists keyed by id use the id itself, lists keyed by an integer sequence
 * use its decimal form, read back with `decodeSequenceCursor`.
 */
import { DistilleryError } from "@distillery/shared";

/** One page of a list response (`pageSchema` in `@distillery/shared`). */
export type Page<Item> = { items: Item[]; next_cursor: string | null };

/** How to fetch and shape one page. */
export type PageOptions<Row, Item> = {
  /** Page size the client asked for. */
  limit: number;
  /** Fetches at most `take` rows (always `limit + 1`) after the cursor, in page order. */
  fetchRows: (take: number) => Promise<Row[]>;
  /** Turns a row into the item the client sees. */
  toItem: (row: Row) => Item;
  /** The cursor that continues after `row`. */
  cursorOf: (row: Row) => string | number;
};

/**
 * Fetches one page: `limit + 1` rows, `limit` items, and `next_cursor` when more rows follow.
 * @example
 * return c.json(await paginate({
 *   limit: query.limit,
 *   fetchRows: (take) => db.select().from(jobs).where(lt(jobs.id, query.cursor)).orderBy(desc(jobs.id)).limit(take).all(),
 *   toItem: jobFromRow,
 *   cursorOf: (row) => row.id,
 * }), 200);
 */
export async function paginate<Row, Item>(options: PageOptions<Row, Item>): Promise<Page<Item>> {
  const rows = await options.fetchRows(options.limit + 1);
  const kept = rows.slice(0, options.limit);
  const last = kept.at(-1);
  const more = rows.length > options.limit && last !== undefined;
  return { items: kept.map(options.toItem), next_cursor: more ? String(options.cursorOf(last)) : null };
}

/**
 * Reads back a cursor that `paginate` wrote from an integer sequence; `undefined` when there is none.
 * Throws `request.invalid` (400) for anything this endpoint could not have issued.
 * @example
 * const after = decodeSequenceCursor(query.cursor) ?? 0;
 */
export function decodeSequenceCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined || cursor === "") return undefined;
  const sequence = Number(cursor);
  if (!Number.isSafeInteger(sequence) || sequence < 0) {
    throw new DistilleryError("request.invalid", "cursor must come from a previous page", {
      details: [{ path: "cursor", issue: "not a cursor this endpoint issued" }],
    });
  }
  return sequence;
}
