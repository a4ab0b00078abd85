/**
 * @module
 * Streams query results as NDJSON or CSV without holding them: a `ReadableStream` whose `pull` reads
 * the next page (keyset pagination on `rowid`) only when the client has taken the previous one.
 * CSV text cells that a spreadsheet would run as a formula are neutralised (see `csvField`).
 */

export type ExportFormat = "ndjson" | "csv";

/** A page reader: rows after `afterRowid`, in rowid order, at most `limit`. */
export type PageReader<Row extends { rowid: number }> = (afterRowid: number, limit: number) => Promise<Row[]>;

const PAGE_ROWS = 500;

/** What starts a formula in Excel, LibreOffice or Google Sheets (OWASP "CSV injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV field (RFC 4180): quoted when it holds a quote, comma or line break. A text value that starts
 * with `= + - @`, a tab or a carriage return gets a leading `'` and quotes, as OWASP recommends, so a
 * spreadsheet shows it instead of running it. Numbers are written as numbers: `-1.5` stays `-1.5`.
 * @example
 * csvField('=HYPERLINK("http://x")'); // "'=HYPERLINK(""http://x"")"
 * csvField(-1.5); // -1.5
 */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean")
    return String(value);
  const text = typeof value === "string" ? value : JSON.stringify(value);
  if (FORMULA_START.test(text)) return `"'${text.replaceAll('"', '""')}"`;
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
