import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderConfigDocs } from "./config-docs";

describe("configuration reference", () => {
  it("matches docs/configuration.md (run `npm run -w shared docs:config` after changing a config schema)", () => {
    const committed = readFileSync(join(import.meta.dirname, "..", "..", "docs", "configuration.md"), "utf8");
    expect(committed).toBe(renderConfigDocs());
  });

  it("documents every variable with its default", () => {
    const docs = renderConfigDocs();
    expect(docs).toContain("| `ORACLE_RPM` | `150` |");
    expect(docs).toContain("| `GEMINI_API_KEY` | – |");
    expect(docs).toContain("| `DISCORD_TOKEN` |");
  });
});
