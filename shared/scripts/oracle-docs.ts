/** Rewrites the cost table in docs/oracle.md from the price table (see src/oracle/price-docs.ts). */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { embedTable } from "../src/docs-tables";
import { loadBuiltinFilters } from "../src/node/index";
import { COST_TABLE_FILTER, PRICE_TABLE_MARKERS, renderOracleCostTable } from "../src/oracle/price-docs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const target = join(root, "docs", "oracle.md");
const filter = (await loadBuiltinFilters()).find((f) => f.name === COST_TABLE_FILTER);
if (!filter) throw new Error(`no built-in filter ${COST_TABLE_FILTER}`);
writeFileSync(
  target,
  embedTable(readFileSync(target, "utf8"), PRICE_TABLE_MARKERS, renderOracleCostTable(filter)),
);
// Biome pads Markdown tables; formatting here keeps `npm run lint` green after a regeneration.
execFileSync("npx", ["biome", "format", "--write", target], { cwd: root, stdio: "inherit" });
console.log("wrote the cost table in docs/oracle.md");
