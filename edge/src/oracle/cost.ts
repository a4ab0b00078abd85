/**
 * @module
 * What an oracle call costs: token usage read from the provider's usage report and priced with the
 * published table (`DEFAULT_PRICE_TABLE`, shared/src/oracle/prices.ts) or an override
 * (`ORACLE_PRICES`, JSON). Cached prompt tokens are priced at the cached rate, thinking tokens at the
 * output rate (they are part of `output`); Batch Mode takes its discount off the whole call.
 */
import {
  DEFAULT_PRICE_TABLE,
  DistilleryError,
  findPrice,
  type ModelPrice,
  parseOrThrow,
  priceTableSchema,
  type TokenUsage,
} from "@distillery/shared";

export type PriceTable = Record<string, ModelPrice>;

/** The published prices, overridden per model by `ORACLE_PRICES` (a JSON object keyed by model). */
export function resolvePriceTable(overrideJson?: string): PriceTable {
  if (!overrideJson) return { ...DEFAULT_PRICE_TABLE };
  let parsed: unknown;
  try {
    parsed = JSON.parse(overrideJson);
  } catch (error) {
    throw new DistilleryError("config.invalid", `ORACLE_PRICES is not JSON: ${(error as Error).message}`, {
      status: 500,
      details: [{ path: "ORACLE_PRICES", issue: "not valid JSON" }],
    });
  }
  const table = parseOrThrow(priceTableSchema, parsed, "config.invalid", "ORACLE_PRICES", "ORACLE_PRICES");
  return { ...DEFAULT_PRICE_TABLE, ...table };
}

/**
 * The price of `model` (`findPrice`: exact, else longest prefix), or `oracle.unknown_price`: a budget
 * cannot be enforced for a model whose price we do not know.
 * @example
 * priceFor(resolvePriceTable(), "models/gemini-2.5-flash").input_per_mtok // 0.3
 */
export function priceFor(table: PriceTable, model: string): ModelPrice {
  const price = findPrice(table, model);
  if (price) return price;
  const name = model.replace(/^models\//, "");
  throw new DistilleryError(
    "oracle.unknown_price",
    `no price for model '${name}'; add it to ORACLE_PRICES (known: ${Object.keys(table).join(", ")})`,
    { details: [{ path: "model", issue: `no price for '${name}'` }] },
  );
}

/** The usage fields of a Gemini response the cost depends on. */
export type UsageMetadata = {
  promptTokenCount?: number;
  cachedContentTokenCount?: number;
  candidatesTokenCount?: number;
  thoughtsTokenCount?: number;
};

/**
 * Input (all prompt tokens, cached included), cached, output (answer + thinking: Gemini bills
 * thoughts as output) and, of the output, thinking tokens.
 */
export function usageTokens(usage: UsageMetadata | undefined): TokenUsage {
  const thinking = usage?.thoughtsTokenCount ?? 0;
  return {
    input: usage?.promptTokenCount ?? 0,
    cached: usage?.cachedContentTokenCount ?? 0,
    output: (usage?.candidatesTokenCount ?? 0) + thinking,
    thinking,
  };
}

export function addTokens(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    input: a.input + b.input,
    cached: a.cached + b.cached,
    output: a.output + b.output,
    thinking: a.thinking + b.thinking,
  };
}

export const NO_TOKENS: TokenUsage = { input: 0, cached: 0, output: 0, thinking: 0 };

/**
 * Dollars for `tokens` at `price`; `batch` applies the Batch Mode discount.
 * @example
 * costUsd(price, { input: 2000, cached: 1500, output: 300 }, "interactive")
 */
export function costUsd(price: ModelPrice, tokens: TokenUsage, mode: "interactive" | "batch"): number {
  const uncached = Math.max(0, tokens.input - tokens.cached);
  const dollars =
    (uncached * price.input_per_mtok +
      tokens.cached * price.cached_input_per_mtok +
      tokens.output * price.output_per_mtok) /
    1_000_000;
  return mode === "batch" ? dollars * (1 - price.batch_discount) : dollars;
}
