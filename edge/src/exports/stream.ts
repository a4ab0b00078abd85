/**
 * @module
 * Streams query results as NDJSON or CSV without holding them: a `ReadableStream` whose `pull` reads
 * the next page (keyset pagination on `rowid`) only when the client has taken the previous one.
 */

export type ExportFormat = "ndjson" | "csv";

/** A page reader: rows after `afterRowid`, in rowid order, at most `limit`. */
export type PageReader<Row extends { rowid: number }> = (afterRowid: number, limit: number) => Promise<Row[]>;

const PAGE_ROWS = 500;

/** Quotes a CSV field when needed (RFC 4180). */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text =
    typeof value === "string" ? value : typeof value === "object" ? JSON.stringify(value) : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * Builds the response body: `toRecord` turns a row into the NDJSON object; for CSV, `columns` names
 * the header and picks each field from that object.
 */
export function exportStream<Row extends { rowid: number }>(
  readPage: PageReader<Row>,
  format: ExportFormat,
  toRecord: (row: Row) => Promise<Record<string, unknown>> | Record<string, unknown>,
  columns: { name: string; value: (record: Record<string, unknown>) => unknown }[],
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let after = 0;
  let headerSent = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let text = "";
      if (format === "csv" && !headerSent) {
        text += `${columns.map((c) => csvField(c.name)).join(",")}\n`;
        headerSent = true;
      }
      const rows = await readPage(after, PAGE_ROWS);
      for (const row of rows) {
        const record = await toRecord(row);
        text +=
          format === "ndjson"
            ? `${JSON.stringify(record)}\n`
            : `${columns.map((c) => csvField(c.value(record))).join(",")}\n`;
        after = row.rowid;
      }
      if (text) controller.enqueue(encoder.encode(text));
      if (rows.length < PAGE_ROWS) controller.close();
    },
  });
}

export function contentType(format: ExportFormat): string {
  return format === "ndjson" ? "application/x-ndjson; charset=utf-8" : "text/csv; charset=utf-8";
}
