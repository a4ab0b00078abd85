/**
 * @module
 * The published oracle prices, in one place: USD per million tokens on the paid tier for prompts up
 * to 200K tokens (ours are ~2-4K), standard (not priority or flex) processing. Thinking tokens are
 * billed as output by every provider here. `ORACLE_PRICES` (JSON keyed by model) overrides or adds
 * entries, e.g. a self-hosted model at 0. A model missing from the table has no price: its cost is
 * reported as unknown, never as $0.
 */
import type { ModelPrice } from "../schemas/config";

/**
 * When the figures below were last read from the providers' pricing pages. Prices change: re-check
 * them (and bump this date) before a large spend decision.
 */
export const PRICES_CHECKED = "2025-12-18";

export const DEFAULT_PRICE_TABLE: Record<string, ModelPrice> = {
  // Gemini (Google AI for Developers pricing page). Batch Mode is half price.
  "gemini-3-pro-preview": {
    input_per_mtok: 2,
    cached_input_per_mtok: 0.2,
    output_per_mtok: 12,
    batch_discount: 0.5,
  },
  "gemini-3-flash-preview": {
    input_per_mtok: 0.5,
    cached_input_per_mtok: 0.05,
    output_per_mtok: 3,
    batch_discount: 0.5,
  },
  "gemini-2.5-pro": {
    input_per_mtok: 1.25,
    cached_input_per_mtok: 0.125,
    output_per_mtok: 10,
    batch_discount: 0.5,
  },
  "gemini-2.5-flash": {
    input_per_mtok: 0.3,
    cached_input_per_mtok: 0.03,
    output_per_mtok: 2.5,
    batch_discount: 0.5,
  },
  "gemini-2.5-flash-lite": {
    input_per_mtok: 0.1,
    cached_input_per_mtok: 0.01,
    output_per_mtok: 0.4,
    batch_discount: 0.5,
  },
  "gemini-2.0-flash": {
    input_per_mtok: 0.1,
    cached_input_per_mtok: 0.025,
    output_per_mtok: 0.4,
    batch_discount: 0.5,
  },
  // OpenAI (platform pricing page). The Batch API is half price.
  "gpt-5-mini": {
    input_per_mtok: 0.25,
    cached_input_per_mtok: 0.025,
    output_per_mtok: 2,
    batch_discount: 0.5,
  },
  "gpt-5-nano": {
    input_per_mtok: 0.05,
    cached_input_per_mtok: 0.005,
    output_per_mtok: 0.4,
    batch_discount: 0.5,
  },
  "gpt-4.1-mini": {
    input_per_mtok: 0.4,
    cached_input_per_mtok: 0.1,
    output_per_mtok: 1.6,
    batch_discount: 0.5,
  },
  "gpt-4o-mini": {
    input_per_mtok: 0.15,
    cached_input_per_mtok: 0.075,
    output_per_mtok: 0.6,
    batch_discount: 0.5,
  },
  // DeepSeek V3.2 (API docs, "Models & Pricing"): cache hits at a tenth; no batch API.
  "deepseek-chat": {
    input_per_mtok: 0.28,
    cached_input_per_mtok: 0.028,
    output_per_mtok: 0.42,
    batch_discount: 0,
  },
  "deepseek-reasoner": {
    input_per_mtok: 0.28,
    cached_input_per_mtok: 0.028,
    output_per_mtok: 0.42,
    batch_discount: 0,
  },
};

/**
 * The price of `model`: an exact entry, else the longest entry its name starts with
 * (`gemini-2.5-flash-preview-09-2025` is priced as `gemini-2.5-flash`); null when none fits.
 * @example
 * findPrice(DEFAULT_PRICE_TABLE, "models/gemini-2.5-flash")?.input_per_mtok // 0.3
 */
export function findPrice(table: Readonly<Record<string, ModelPrice>>, model: string): ModelPrice | null {
  const name = model.replace(/^models\//, "");
  const exact = table[name];
  if (exact) return exact;
  const prefix = Object.keys(table)
    .filter((key) => name.startsWith(key))
    .sort((a, b) => b.length - a.length)[0];
  return prefix ? table[prefix]! : null;
}
