/**
 * @module
 * Places the registry's table (`renderErrorCodeTable`) between the markers in `docs/api.md`, so the
 * document lists every code, and reads it back so a test can tell when it is stale.
 */
import { renderErrorCodeTable } from "./error-codes";
import { DistilleryError } from "./errors";

export const ERROR_TABLE_START = "<!-- error-codes:start (generated: npm run -w shared docs:errors) -->";
export const ERROR_TABLE_END = "<!-- error-codes:end -->";

function markers(markdown: string): { start: number; end: number } {
  const start = markdown.indexOf(ERROR_TABLE_START);
  const end = markdown.indexOf(ERROR_TABLE_END);
  if (start < 0 || end < start) {
    throw new DistilleryError(
      "docs.markers_missing",
      `docs/api.md lacks the markers ${ERROR_TABLE_START} … ${ERROR_TABLE_END}`,
    );
  }
  return { start: start + ERROR_TABLE_START.length, end };
}

/** `markdown` with the text between the markers replaced by the current table. */
export function embedErrorCodeTable(markdown: string): string {
  const { start, end } = markers(markdown);
  return `${markdown.slice(0, start)}\n${renderErrorCodeTable()}\n${markdown.slice(end)}`;
}

/**
 * The table rows between the markers as trimmed cells, so a comparison ignores the column padding
 * the formatter adds.
 */
export function readErrorCodeTable(markdown: string): string[][] {
  const { start, end } = markers(markdown);
  return markdown
    .slice(start, end)
    .split("\n")
    .filter((line) => line.startsWith("|"))
    .map((line) =>
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    )
    .filter((cells) => !/^-+$/.test(cells[0] ?? ""));
}
