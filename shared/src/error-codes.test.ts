import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ERROR_CODES, isRegisteredErrorCode, renderErrorCodeTable } from "./error-codes";
import { embedErrorCodeTable, readErrorCodeTable } from "./error-codes-doc";

const apiDoc = () => readFileSync(join(import.meta.dirname, "..", "..", "docs", "api.md"), "utf8");

describe("error-code registry", () => {
  it("matches the table in docs/api.md (run `npm run -w shared docs:errors` after changing it)", () => {
    const committed = readErrorCodeTable(apiDoc());
    const expected = readErrorCodeTable(embedErrorCodeTable(apiDoc()));
    expect(committed).toEqual(expected);
    expect(committed.length).toBe(Object.keys(ERROR_CODES).length + 1);
  });

  it("renders one row per code with its status, `–` for job-only codes", () => {
    const table = renderErrorCodeTable();
    expect(table).toContain("| `auth.forbidden` | 403 |");
    expect(table).toContain("| `oracle.safety_blocked` | – |");
  });

  it("accepts framework codes by pattern only", () => {
    expect(isRegisteredErrorCode("http.405")).toBe(true);
    expect(isRegisteredErrorCode("http.abc")).toBe(false);
    expect(isRegisteredErrorCode("made.up")).toBe(false);
  });
});
