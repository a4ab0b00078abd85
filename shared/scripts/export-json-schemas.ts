/** Writes shared/schemas/*.json from the zod schemas (see src/json-schemas.ts). */
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { renderPythonSchemas } from "../src/json-schemas";

const outDir = join(dirname(fileURLToPath(import.meta.url)), "..", "schemas");
for (const [file, text] of Object.entries(renderPythonSchemas())) {
  writeFileSync(join(outDir, file), text);
  console.log(`wrote shared/schemas/${file}`);
}
