/**
 * Rewrites the generated cost tables from the price table and the token plan (src/oracle/price-docs.ts):
 * per 1,000 articles in docs/oracle.md, the continuous loop's monthly cost in docs/continuous.md.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type DocMarkers, embedTable } from "../src/docs-tables";
import { loadBuiltinFilters } from "../src/node/index";
import {
  COST_TABLE_FILTER,
  MONTHLY_TABLE_MARKERS,
  PRICE_TABLE_MARKERS,
  renderMonthlyCostTable,
  renderOracleCostTable,
} from "../src/oracle/price-docs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const filter = (await loadBuiltinFilters()).find((f) => f.name === COST_TABLE_FILTER);
if (!filter) throw new Error(`no built-in filter ${COST_TABLE_FILTER}`);

function write(markers: DocMarkers, table: string) {
  const target = join(root, markers.doc);
  writeFileSync(target, embedTable(readFileSync(target, "utf8"), markers, table));
  // Biome pads Markdown tables; formatting here keeps `npm run lint` green after a regeneration.
  execFileSync("npx", ["biome", "format", "--write", target], { cwd: root, stdio: "inherit" });
  console.log(`wrote the cost table in ${markers.doc}`);
}

write(PRICE_TABLE_MARKERS, renderOracleCostTable(filter));
write(MONTHLY_TABLE_MARKERS, renderMonthlyCostTable(filter));
