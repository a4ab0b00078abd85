/**
 * `callOracle` (edge/src/oracle) with the real `@google/genai` SDK against the Gemini stand-in over
 * real HTTP: one fault at a time, checking what a user sees in the label: scores, the reason an
 * article failed, attempts, tokens and cost, and that no article got two usable (paid) answers.
 */
import { type ArticleText, exampleFilter, renderOraclePrompt, resolveOracle } from "@distillery/shared";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { callOracle } from "../../edge/src/oracle/call";
import { geminiClient } from "../../edge/src/oracle/client";
import { costUsd, priceFor, resolvePriceTable } from "../../edge/src/oracle/cost";
import { geminiTransport } from "../../edge/src/oracle/gemini";
import { articleKey, type FaultKind, type GeminiStandin, startGeminiStandin } from "../standins/gemini/index";

let gemini: GeminiStandin;
let counter = 0;
const price = priceFor(resolvePriceTable(), "gemini-2.5-flash");
const filter = exampleFilter();

function freshArticle(): ArticleText {
  counter += 1;
  return {
    title: `Battery plant ${counter} starts production`,
    body: `The factory in town ${counter} produces 2 GWh of batteries per year for grid storage. Officials said output doubles in 2027.`,
    language: "en",
    source: "example-news",
  };
}

async function call(
  article: ArticleText,
  script: (FaultKind | null)[],
  extra: { maxAttempts?: number } = {},
) {
  gemini.configure({ script });
  const delays: number[] = [];
  const { ai } = geminiClient({ GEMINI_API_KEY: "test", GEMINI_BASE_URL: gemini.url });
  const result = await callOracle({
    transport: geminiTransport(ai),
    filter,
    article,
    oracle: resolveOracle(filter),
    price,
    timeoutMs: 300,
    sleep: async (ms) => {
      delays.push(ms);
    },
    random: () => 0.5,
    ...extra,
  });
  const key = articleKey(renderOraclePrompt(filter, article).article);
  return { result, delays, calls: gemini.stats.callsFor(key), usable: gemini.stats.usableFor(key) };
}

beforeAll(async () => {
  gemini = await startGeminiStandin({ port: 0, minCacheTokens: 0 });
});
afterAll(() => gemini.close());
afterEach(() => gemini.configure({ script: [], retryAfterS: 1 }));

describe("callOracle", () => {
  it("labels an article: valid scores, categories, tokens and their cost", async () => {
    const { result, calls, usable } = await call(freshArticle(), []);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(Object.keys(result.scores)).toEqual(["deployment", "impact", "evidence"]);
    expect(["news", "press_release"]).toContain(result.categories.content_type);
    expect(result.attempts).toBe(1);
    expect(result.tokens.input).toBeGreaterThan(50);
    expect(result.tokens.output).toBeGreaterThan(10);
    expect(result.cost_usd).toBeCloseTo(costUsd(price, result.tokens, "interactive"), 12);
    expect([calls, usable]).toEqual([1, 1]);
  });

  it("prices the repeated prompt prefix at the cached rate", async () => {
    await call(freshArticle(), []);
    const { result } = await call(freshArticle(), []);
    expect(result.tokens.cached).toBeGreaterThan(0);
    const uncached = costUsd(price, { ...result.tokens, cached: 0 }, "interactive");
    expect(result.cost_usd).toBeLessThan(uncached);
  });

  it("waits at least Retry-After after a 429, then succeeds", async () => {
    gemini.configure({ retryAfterS: 7 });
    const { result, delays, usable } = await call(freshArticle(), ["rate_limit"]);
    expect(result.ok).toBe(true);
    expect(result.attempts).toBe(2);
    expect(delays).toHaveLength(1);
    expect(delays[0]).toBeGreaterThanOrEqual(7_000);
    expect(usable).toBe(1);
  });

  it("backs off exponentially over 500 and 503 answers", async () => {
    const { result, delays } = await call(freshArticle(), ["server_error", "unavailable", "server_error"]);
    expect(result.ok).toBe(true);
    expect(result.attempts).toBe(4);
    expect(delays).toEqual([500, 1_000, 2_000]);
  });

  it("retries a call that hangs past the timeout", async () => {
    const { result, calls } = await call(freshArticle(), ["hang"]);
    expect(result.ok).toBe(true);
    expect(result.attempts).toBe(2);
    expect(calls).toBe(2);
  });

  it("gives up after maxAttempts transient failures, with the reason", async () => {
    const { result, calls } = await call(freshArticle(), ["server_error", "server_error", "server_error"], {
      maxAttempts: 3,
    });
    expect(result).toMatchObject({ ok: false, code: "oracle.server_error", attempts: 3, cost_usd: 0 });
    expect(calls).toBe(3);
  });

  it.each([
    ["bad_request", "oracle.bad_request"],
    ["forbidden", "oracle.forbidden"],
    ["safety", "oracle.safety_blocked"],
  ] as const)("fails at once on %s (%s), without retrying", async (fault, code) => {
    const { result, calls, delays } = await call(freshArticle(), [fault]);
    expect(result).toMatchObject({ ok: false, code, attempts: 1 });
    expect(calls).toBe(1);
    expect(delays).toEqual([]);
  });

  it.each(["fence", "trailing_text", "score_string"] as const)(
    "repairs a %s answer without calling again",
    async (fault) => {
      const { result, calls } = await call(freshArticle(), [fault]);
      expect(result).toMatchObject({ ok: true, repaired: true, attempts: 1 });
      expect(calls).toBe(1);
    },
  );

  it("calls once more when the answer is truncated, and pays for both calls", async () => {
    const { result, calls } = await call(freshArticle(), ["truncated"]);
    expect(result).toMatchObject({ ok: true, repaired: false, attempts: 2 });
    expect(calls).toBe(2);
    if (!result.ok) return;
    const single = await call(freshArticle(), []);
    expect(result.tokens.input).toBeGreaterThan(single.result.tokens.input * 1.5);
  });

  it("refuses a score outside 0-10 (never clamps) and fails after the retry", async () => {
    const { result, calls } = await call(freshArticle(), ["out_of_range", "out_of_range"]);
    expect(result).toMatchObject({ ok: false, code: "oracle.score_out_of_range", attempts: 2 });
    expect(calls).toBe(2);
  });
});
