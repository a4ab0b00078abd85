/** Rewrites the error-code table in docs/api.md from the registry (see src/error-codes.ts). */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { embedErrorCodeTable } from "../src/error-codes-doc";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const target = join(root, "docs", "api.md");
writeFileSync(target, embedErrorCodeTable(readFileSync(target, "utf8")));
// Biome pads Markdown tables; formatting here keeps `npm run lint` green after a regeneration.
execFileSync("npx", ["biome", "format", "--write", target], { cwd: root, stdio: "inherit" });
console.log("wrote the error-code table in docs/api.md");
