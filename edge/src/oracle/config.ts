/**
 * @module
 * The oracle's settings, read from the worker's parsed configuration (`edgeConfig`, one definition of
 * names, defaults and checks): each provider's key, base URL and the quota its
 * limiter keeps to, and the price table. Also the oracle a job uses (the filter's, or the job's
 * override), refused with the field named when its family does not take the setting.
 */
import {
  DistilleryError,
  type FilterPackage,
  type OracleJobSpec,
  type OracleProvider,
  oracleProblem,
  type ResolvedOracle,
  resolveOracle,
} from "@distillery/shared";
import { edgeConfig } from "../config";
import type { Env } from "../env";
import { geminiClient, STANDIN_BANNER } from "./client";
import { type PriceTable, resolvePriceTable } from "./cost";
import { geminiTransport } from "./gemini";
import { OPENAI_STANDIN_BANNER, openaiTransport } from "./openai";
import type { OracleTransport } from "./transport";

/** A provider's quota, which its limiter keeps every consumer under together. */
export type OracleQuota = { rpm: number; tpm: number };

export type OracleSettings = {
  /** Each provider's quota: Gemini's and an OpenAI-compatible endpoint's are unrelated. */
  quotas: Record<OracleProvider, OracleQuota>;
  prices: PriceTable;
  apiKey?: string;
  baseUrl?: string;
  openai: { apiKey?: string; baseUrl?: string };
};

/** The oracle settings of this worker; a bad value is a `config.invalid` error naming the variable. */
export function oracleSettings(env: Env): OracleSettings {
  const config = edgeConfig(env);
  return {
    quotas: {
      gemini: { rpm: config.ORACLE_RPM, tpm: config.ORACLE_TPM },
      openai: { rpm: config.OPENAI_RPM ?? config.ORACLE_RPM, tpm: config.OPENAI_TPM ?? config.ORACLE_TPM },
    },
    prices: resolvePriceTable(config.ORACLE_PRICES),
    apiKey: config.GEMINI_API_KEY,
    baseUrl: config.GEMINI_BASE_URL,
    openai: { apiKey: config.OPENAI_API_KEY, baseUrl: config.OPENAI_BASE_URL },
  };
}

/** The Gemini client for these settings (the stand-in when no key is set). */
export function oracleGemini(settings: OracleSettings) {
  return geminiClient({ GEMINI_API_KEY: settings.apiKey, GEMINI_BASE_URL: settings.baseUrl });
}

/** The transport that calls `provider` with these settings. */
export function oracleTransport(settings: OracleSettings, provider: OracleProvider): OracleTransport {
  if (provider === "openai") return openaiTransport(settings.openai);
  return geminiTransport(oracleGemini(settings).ai);
}

/**
 * The `beforeAttempt` of a call to `provider`: waits until the provider's limiter (one Durable
 * Object per provider, shared by every consumer) lets `tokens` through within its quota.
 */
export function limiterGate(env: Env, settings: OracleSettings, provider: OracleProvider) {
  const limiter = env.ORACLE_LIMITER.get(env.ORACLE_LIMITER.idFromName(provider));
  const quota = settings.quotas[provider];
  return async (tokens: number) => {
    const waitMs = await limiter.reserve(tokens, quota);
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
  };
}

/** True when `provider` has no key configured, so its calls go to the local stand-in. */
export function usesStandin(settings: OracleSettings, provider: OracleProvider): boolean {
  return provider === "openai" ? !settings.openai.apiKey : !settings.apiKey;
}

/** What results say when labels came from a stand-in rather than a real model. */
export function standinBanner(provider: OracleProvider): string {
  return provider === "openai" ? OPENAI_STANDIN_BANNER : STANDIN_BANNER;
}

/**
 * The oracle of an oracle job: the filter's, with the job's `provider`/`model`/`thinking` override.
 * A provider override needs a model (a Gemini model name means nothing to another provider).
 */
export function jobOracle(
  filter: FilterPackage,
  spec: Pick<OracleJobSpec, "provider" | "model" | "thinking">,
): ResolvedOracle {
  if (spec.provider && spec.provider !== filter.oracle.provider && !spec.model) {
    throw new DistilleryError(
      "oracle.invalid_setting",
      `provider '${spec.provider}' needs a model: the filter's '${filter.oracle.model}' is a ${filter.oracle.provider} model`,
      { details: [{ path: "model", issue: `required with provider '${spec.provider}'` }] },
    );
  }
  const oracle = resolveOracle(filter, {
    provider: spec.provider,
    model: spec.model,
    thinking: spec.thinking,
  });
  const problem = oracleProblem(oracle);
  if (problem) {
    throw new DistilleryError(
      "oracle.invalid_setting",
      `thinking ${JSON.stringify(oracle.thinking)}: ${problem}`,
      {
        details: [{ path: "thinking", issue: problem }],
      },
    );
  }
  return oracle;
}
