/**
 * @module
 * Places the registry's table (`renderErrorCodeTable`) between the markers in `docs/api.md`, so the
 * document lists every code, and reads it back so a test can tell when it is stale.
 */
import { type DocMarkers, embedTable, readTable } from "./docs-tables";
import { renderErrorCodeTable } from "./error-codes";

export const ERROR_TABLE_MARKERS: DocMarkers = {
  start: "<!-- error-codes:start (generated: npm run -w shared docs:errors) -->",
  end: "<!-- error-codes:end -->",
  doc: "docs/api.md",
};

/** `markdown` with the text between the markers replaced by the current table. */
export function embedErrorCodeTable(markdown: string): string {
  return embedTable(markdown, ERROR_TABLE_MARKERS, renderErrorCodeTable());
}

/** The table rows between the markers as trimmed cells. */
export function readErrorCodeTable(markdown: string): string[][] {
  return readTable(markdown, ERROR_TABLE_MARKERS);
}
