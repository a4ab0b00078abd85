/**
 * @module
 * The oracle's settings, read from the worker's parsed configuration (`edgeConfig`, one definition of
 * names, defaults and checks): the Gemini key and base URL, the default model, the quota the limiter
 * keeps to, and the price table.
 */
import { edgeConfig } from "../config";
import type { Env } from "../env";
import { geminiClient } from "./client";
import { type PriceTable, resolvePriceTable } from "./cost";

export type OracleSettings = {
  model: string;
  rpm: number;
  tpm: number;
  prices: PriceTable;
  apiKey?: string;
  baseUrl?: string;
};

/** The oracle settings of this worker; a bad value is a `config.invalid` error naming the variable. */
export function oracleSettings(env: Env): OracleSettings {
  const config = edgeConfig(env);
  return {
    model: config.ORACLE_MODEL,
    rpm: config.ORACLE_RPM,
    tpm: config.ORACLE_TPM,
    prices: resolvePriceTable(config.ORACLE_PRICES),
    apiKey: config.GEMINI_API_KEY,
    baseUrl: config.GEMINI_BASE_URL,
  };
}

/** The Gemini client for these settings (the stand-in when no key is set). */
export function oracleGemini(settings: OracleSettings) {
  return geminiClient({ GEMINI_API_KEY: settings.apiKey, GEMINI_BASE_URL: settings.baseUrl });
}
