import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderPythonSchemas } from "./json-schemas";

describe("exported JSON Schemas", () => {
  it("match the committed files in shared/schemas (run `npm run -w shared schemas` after changing a schema)", () => {
    const dir = join(import.meta.dirname, "..", "schemas");
    for (const [file, text] of Object.entries(renderPythonSchemas())) {
      expect(readFileSync(join(dir, file), "utf8"), file).toBe(text);
    }
  });

  it("describe the python job file as a union on `command`", () => {
    const schema = JSON.parse(renderPythonSchemas()["python-job-file.json"]!);
    const commands = schema.oneOf.map(
      (variant: { properties: { command: { const: string } } }) => variant.properties.command.const,
    );
    expect(commands.sort()).toEqual(["bench", "eval", "infer", "train"]);
  });
});
