/**
 * @module
 * One oracle call for one article, end to end and the same for every provider: call the transport,
 * read and validate the answer (one repair, then one more call when the answer is unusable), retry
 * transient failures with backoff, retry a truncated answer once with twice the output limit (if the
 * budget allows it), and account every billed token. The result is a label's worth of data, or a
 * failure with a stable reason code.
 */

import type { ArticleText, ModelPrice, ResolvedOracle, TokenUsage } from "@distillery/shared";
import { modelFamily } from "@distillery/shared";
import { readOracleAnswer } from "./answer";
import { addTokens, costUsd, NO_TOKENS } from "./cost";
import { estimateCallTokens } from "./request";
import { type BackoffOptions, backoffDelayMs, classifyFailure, DEFAULT_BACKOFF } from "./retry";
import type { OracleCallFilter, OracleTransport } from "./transport";

export type CallOracleOptions = {
  transport: OracleTransport;
  filter: OracleCallFilter;
  article: ArticleText;
  oracle: ResolvedOracle;
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
  /**
   * Asked before the retry of a truncated answer, with what that retry is expected to cost in
   * dollars; false (the budget cannot hold it) ends the call as `oracle.truncated`. Unset: allowed.
   */
  reserveExtra?: (usd: number) => Promise<boolean>;
};

type CallAccounting = {
  provider: ResolvedOracle["provider"];
  model: string;
  tokens: TokenUsage;
  cost_usd: number;
  /** Milliseconds the last call took (the API's latency, not the backoff). */
  latency_ms: number;
  attempts: number;
  /** Answers cut at the output limit: billed, never stored. */
  truncations: number;
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
 * const result = await callOracle({ transport, filter, article, oracle: resolveOracle(filter), price });
 * if (result.ok) save(result.scores, result.tokens, result.cost_usd);
 */
export async function callOracle(options: CallOracleOptions): Promise<OracleCallResult> {
  const {
    transport,
    filter,
    article,
    oracle,
    price,
    timeoutMs = 60_000,
    maxAttempts = 6,
    invalidAnswerRetries = 1,
    backoff = DEFAULT_BACKOFF,
    sleep = defaultSleep,
    random = Math.random,
    beforeAttempt,
    reserveExtra = async () => true,
  } = options;
  const estimate = estimateCallTokens(filter, article, oracle);
  const account: CallAccounting = {
    provider: oracle.provider,
    model: oracle.model,
    tokens: NO_TOKENS,
    cost_usd: 0,
    latency_ms: 0,
    attempts: 0,
    truncations: 0,
  };
  const fail = (code: string, message: string): OracleCallFailure => ({
    ...account,
    ok: false,
    code,
    message,
  });
  let maxOutputTokens = oracle.max_output_tokens;
  let transientFailures = 0;
  let invalidAnswers = 0;

  for (;;) {
    await beforeAttempt?.(estimate.input + estimate.output);
    account.attempts += 1;
    let retryAfterHeader: string | null = null;
    const started = Date.now();
    try {
      const reply = await transport.generate({
        filter,
        article,
        oracle,
        maxOutputTokens,
        timeoutMs,
        onRetryAfter: (value) => {
          retryAfterHeader = value;
        },
      });
      account.latency_ms = Date.now() - started;
      account.tokens = addTokens(account.tokens, reply.tokens);
      account.cost_usd += costUsd(price, reply.tokens, "interactive");
      if (reply.finish === "blocked") {
        return fail(
          "oracle.safety_blocked",
          `blocked by ${oracle.provider}: ${reply.detail ?? "no reason given"}`,
        );
      }
      if (reply.finish === "length") {
        account.truncations += 1;
        const cut = `the answer was cut at ${maxOutputTokens} output tokens (${reply.tokens.thinking} of them thinking)`;
        const larger = Math.min(modelFamily(oracle.provider, oracle.model).outputLimit, maxOutputTokens * 2);
        if (account.truncations > 1 || larger <= maxOutputTokens) return fail("oracle.truncated", cut);
        const extraTokens = { ...NO_TOKENS, input: estimate.input, output: larger };
        if (!(await reserveExtra(costUsd(price, extraTokens, "interactive"))))
          return fail("oracle.truncated", `${cut}; the budget cannot hold a retry with ${larger}`);
        maxOutputTokens = larger;
        continue;
      }
      const answer = readOracleAnswer(filter, reply.text);
      if (!("code" in answer)) return { ...account, ok: true, ...answer };
      invalidAnswers += 1;
      if (invalidAnswers > invalidAnswerRetries) return fail(answer.code, answer.message);
    } catch (error) {
      account.latency_ms = Date.now() - started;
      const failure = classifyFailure(error, retryAfterHeader);
      transientFailures += 1;
      if (failure.kind === "permanent" || account.attempts >= maxAttempts) {
        const exhausted = failure.kind === "transient" ? ` (gave up after ${account.attempts} calls)` : "";
        return fail(failure.code, `${failure.message}${exhausted}`);
      }
      await sleep(backoffDelayMs(transientFailures, backoff, random, failure.retryAfterMs));
    }
  }
}
