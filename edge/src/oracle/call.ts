/**
 * @module
 * One oracle call for one article, end to end: render the request, call Gemini's `generateContent`
 * through `@google/genai`, read and validate the answer (one repair, then one more call when the
 * answer is unusable), retry transient failures with backoff, and account every billed token.
 * The result is a label's worth of data, or a failure with a stable reason code.
 */

import type { ArticleText, FilterPackage, ModelPrice, TokenUsage } from "@distillery/shared";
import type { GoogleGenAI } from "@google/genai";
import { readOracleAnswer } from "./answer";
import { addTokens, costUsd, NO_TOKENS, usageTokens } from "./cost";
import { estimateCallTokens, oracleRequest } from "./request";
import { type BackoffOptions, backoffDelayMs, classifyFailure, DEFAULT_BACKOFF } from "./retry";

type OracleCallFilter = Pick<FilterPackage, "prompt" | "oracle" | "dimensions" | "categories">;

export type CallOracleOptions = {
  ai: GoogleGenAI;
  filter: OracleCallFilter;
  article: ArticleText;
  model: string;
  price: ModelPrice;
  /** Per attempt, in milliseconds. */
  timeoutMs?: number;
  /** Calls in all, the first included, for transient failures. */
  maxAttempts?: number;
  /** Extra calls when the answer is unusable after repair (malformed, out of range). */
  invalidAnswerRetries?: number;
  backoff?: BackoffOptions;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Awaited before every call with its estimated tokens: where the rate limiter holds the caller. */
  beforeAttempt?: (estimatedTokens: number) => Promise<void>;
};

type CallAccounting = {
  model: string;
  tokens: TokenUsage;
  cost_usd: number;
  /** Milliseconds the last call took (the API's latency, not the backoff). */
  latency_ms: number;
  attempts: number;
};

export type OracleCallSuccess = CallAccounting & {
  ok: true;
  scores: Record<string, { score: number; reason: string }>;
  categories: Record<string, string>;
  repaired: boolean;
};

export type OracleCallFailure = CallAccounting & { ok: false; code: string; message: string };

export type OracleCallResult = OracleCallSuccess | OracleCallFailure;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Labels one article with the oracle.
 * @example
 * const result = await callOracle({ ai, filter, article, model: "gemini-2.5-flash", price });
 * if (result.ok) save(result.scores, result.tokens, result.cost_usd);
 */
export async function callOracle(options: CallOracleOptions): Promise<OracleCallResult> {
  const {
    ai,
    filter,
    article,
    model,
    price,
    timeoutMs = 60_000,
    maxAttempts = 6,
    invalidAnswerRetries = 1,
    backoff = DEFAULT_BACKOFF,
    sleep = defaultSleep,
    random = Math.random,
    beforeAttempt,
  } = options;
  const request = oracleRequest(filter, article, model);
  const estimate = estimateCallTokens(filter, article);
  const account: CallAccounting = { model, tokens: NO_TOKENS, cost_usd: 0, latency_ms: 0, attempts: 0 };
  let transientFailures = 0;
  let invalidAnswers = 0;

  for (;;) {
    await beforeAttempt?.(estimate.input + estimate.output);
    account.attempts += 1;
    let retryAfterHeader: string | null = null;
    const capturingFetch: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      retryAfterHeader = response.headers.get("retry-after");
      return response;
    };
    const started = Date.now();
    try {
      const response = await ai.models.generateContent({
        ...request,
        config: { ...request.config, httpOptions: { timeout: timeoutMs, fetch: capturingFetch } },
      });
      account.latency_ms = Date.now() - started;
      const tokens = usageTokens(response.usageMetadata);
      account.tokens = addTokens(account.tokens, tokens);
      account.cost_usd += costUsd(price, tokens, "interactive");
      const candidate = response.candidates?.[0];
      if (!candidate || candidate.finishReason === "SAFETY" || response.promptFeedback?.blockReason) {
        const reason = candidate?.finishReason ?? response.promptFeedback?.blockReason ?? "no candidate";
        return {
          ...account,
          ok: false,
          code: "oracle.safety_blocked",
          message: `blocked by Gemini: ${reason}`,
        };
      }
      const answer = readOracleAnswer(filter, response.text ?? "");
      if (!("code" in answer)) return { ...account, ok: true, ...answer };
      invalidAnswers += 1;
      if (invalidAnswers > invalidAnswerRetries) return { ...account, ok: false, ...answer };
    } catch (error) {
      account.latency_ms = Date.now() - started;
      const failure = classifyFailure(error, retryAfterHeader);
      transientFailures += 1;
      if (failure.kind === "permanent" || account.attempts >= maxAttempts) {
        const exhausted = failure.kind === "transient" ? ` (gave up after ${account.attempts} calls)` : "";
        return { ...account, ok: false, code: failure.code, message: `${failure.message}${exhausted}` };
      }
      await sleep(backoffDelayMs(transientFailures, backoff, random, failure.retryAfterMs));
    }
  }
}
