import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readTable, tableCells } from "../docs-tables";
import { loadBuiltinFilters } from "../node/index";
import {
  COST_TABLE_FILTER,
  LOOP_PLAN,
  loopCallsPerMonth,
  MONTHLY_TABLE_MARKERS,
  PRICE_TABLE_MARKERS,
  renderMonthlyCostTable,
  renderOracleCostTable,
} from "./price-docs";

const filter = async () => (await loadBuiltinFilters()).find((f) => f.name === COST_TABLE_FILTER)!;
const row = (rows: string[][], oracle: string, thinking: string) =>
  rows.find((cells) => cells[0] === `\`${oracle}\`` && cells[1] === thinking);
const usd = (cell: string | undefined) => Number(cell?.replace("$", ""));

describe("the oracle cost table", () => {
  it("matches docs/oracle.md (run `npm run -w shared docs:oracle` after changing prices or the token plan)", async () => {
    const doc = readFileSync(join(import.meta.dirname, "..", "..", "..", "docs", "oracle.md"), "utf8");
    expect(readTable(doc, PRICE_TABLE_MARKERS)).toEqual(tableCells(renderOracleCostTable(await filter())));
  });

  it("matches docs/continuous.md's monthly table", async () => {
    const doc = readFileSync(join(import.meta.dirname, "..", "..", "..", "docs", "continuous.md"), "utf8");
    expect(readTable(doc, MONTHLY_TABLE_MARKERS)).toEqual(tableCells(renderMonthlyCostTable(await filter())));
  });

  it("prices the loop from the per-1,000 figures: 5K a day, 10% cascade, weekly labels and audits", async () => {
    const calls = loopCallsPerMonth();
    expect(calls.cascade).toBe(LOOP_PLAN.articlesPerDay * 30 * 0.1);
    const perThousand = tableCells(renderOracleCostTable(await filter()));
    const monthly = tableCells(renderMonthlyCostTable(await filter()));
    const flash = row(perThousand, "gemini:gemini-2.5-flash", "off")!;
    const flashMonth = row(monthly, "gemini:gemini-2.5-flash", "off")!;
    const total = calls.cascade + calls.active + calls.audit;
    expect(usd(flashMonth[2])).toBeCloseTo((total * usd(flash[3])) / 1000, 0);
  });

  it("charges thinking at the output price: a 1,024-token budget costs 1,024 output tokens more per call", async () => {
    const rows = tableCells(renderOracleCostTable(await filter()));
    const off = row(rows, "gemini:gemini-2.5-flash", "off");
    const on = row(rows, "gemini:gemini-2.5-flash", "budget 1024");
    expect(off && on).toBeTruthy();
    // 1,000 articles × 1,024 tokens × $2.50 per million output tokens.
    expect(usd(on![3]) - usd(off![3])).toBeCloseTo(2.56, 2);
    // Batch Mode is half price for Gemini, and only Gemini has it here.
    expect(usd(on![4])).toBeCloseTo(usd(on![3]) / 2, 2);
    expect(row(rows, "openai:deepseek-chat", "off")?.[4]).toBe("–");
    // Gemini 2.5 Pro cannot turn thinking off: its cheapest setting is the smallest budget.
    expect(row(rows, "gemini:gemini-2.5-pro", "budget 128")).toBeTruthy();
  });
});
