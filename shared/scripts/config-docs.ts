/** Writes docs/configuration.md from the zod config schemas (see src/config-docs.ts). */
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { renderConfigDocs } from "../src/config-docs";

const target = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "docs", "configuration.md");
writeFileSync(target, renderConfigDocs());
console.log("wrote docs/configuration.md");
