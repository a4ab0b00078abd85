/**
 * @module
 * Generated Markdown tables kept inside hand-written documents: a table is placed between two HTML
 * comment markers, and read back as trimmed cells so a test can tell when the document is stale
 * (ignoring the column padding the formatter adds).
 */
import { DistilleryError } from "./errors";

export type DocMarkers = { start: string; end: string; doc: string };

function between(markdown: string, markers: DocMarkers): { start: number; end: number } {
  const start = markdown.indexOf(markers.start);
  const end = markdown.indexOf(markers.end);
  if (start < 0 || end < start) {
    throw new DistilleryError(
      "docs.markers_missing",
      `${markers.doc} lacks the markers ${markers.start} … ${markers.end}`,
    );
  }
  return { start: start + markers.start.length, end };
}

/** `markdown` with the text between the markers replaced by `table`. */
export function embedTable(markdown: string, markers: DocMarkers, table: string): string {
  const { start, end } = between(markdown, markers);
  return `${markdown.slice(0, start)}\n${table}\n${markdown.slice(end)}`;
}

/** The table rows between the markers as trimmed cells (the separator row left out). */
export function readTable(markdown: string, markers: DocMarkers): string[][] {
  const { start, end } = between(markdown, markers);
  return tableCells(markdown.slice(start, end));
}

/** The rows of a Markdown table as trimmed cells (the separator row left out). */
export function tableCells(markdown: string): string[][] {
  return markdown
    .split("\n")
    .filter((line) => line.startsWith("|"))
    .map((line) =>
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    )
    .filter((cells) => !/^:?-+:?$/.test(cells[0] ?? ""));
}
