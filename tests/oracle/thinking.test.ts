/**
 * `callOracle` with thinking, through the real `@google/genai` SDK against the Gemini stand-in (which
 * bills thought tokens deterministically per article): thinking tokens in the bill at the output
 * price, an answer cut at the output limit (billed, retried once with twice the limit when the
 * budget allows, else `oracle.truncated`), and a thinking setting the model refuses.
 */
import {
  type ArticleText,
  exampleFilter,
  type ResolvedOracle,
  renderOraclePrompt,
  resolveOracle,
} from "@distillery/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callOracle } from "../../edge/src/oracle/call";
import { geminiClient } from "../../edge/src/oracle/client";
import { priceFor, resolvePriceTable } from "../../edge/src/oracle/cost";
import { geminiTransport } from "../../edge/src/oracle/gemini";
import { articleKey, type GeminiStandin, startGeminiStandin } from "../standins/gemini/index";
import { thoughtTokens } from "../standins/gemini/thinking";

const MODEL = "gemini-2.5-flash";
/** gemini-2.5-flash on the published price table, USD per million tokens. */
const PRICE = { input: 0.3, cached: 0.03, output: 2.5 };

let gemini: GeminiStandin;
let counter = 0;
const filter = exampleFilter();
const price = priceFor(resolvePriceTable(), MODEL);

/** A fresh article; `paragraphs` long bodies make the model think longer. */
function freshArticle(paragraphs = 1): ArticleText {
  counter += 1;
  return {
    title: `Heat pump factory ${counter} opens`,
    body: `The plant in town ${counter} builds 40,000 heat pumps a year for homes that leave gas boilers. `.repeat(
      paragraphs,
    ),
    language: "en",
    source: "example-news",
  };
}

/** Thought tokens the stand-in spends on `article` under a budget. */
function expectedThoughts(article: ArticleText, budget: number): number {
  const text = renderOraclePrompt(filter, article).article;
  return thoughtTokens(MODEL, { mode: "budget", budget }, text);
}

async function call(
  article: ArticleText,
  oracle: ResolvedOracle,
  reserveExtra?: (usd: number) => Promise<boolean>,
) {
  const { ai } = geminiClient({ GEMINI_API_KEY: "test", GEMINI_BASE_URL: gemini.url });
  const result = await callOracle({
    transport: geminiTransport(ai),
    filter,
    article,
    oracle,
    price,
    sleep: async () => undefined,
    reserveExtra,
  });
  const key = articleKey(renderOraclePrompt(filter, article).article);
  return { result, calls: gemini.stats.callsFor(key), usable: gemini.stats.usableFor(key) };
}

beforeAll(async () => {
  gemini = await startGeminiStandin({ port: 0 });
});
afterAll(() => gemini.close());

describe("thinking", () => {
  it("bills thinking tokens as output, at the output price", async () => {
    const article = freshArticle();
    const { result } = await call(article, resolveOracle(filter, { thinking: 1024 }));
    expect(result.ok).toBe(true);
    const thoughts = expectedThoughts(article, 1024);
    expect(thoughts).toBeGreaterThan(300);
    expect(result.tokens.thinking).toBe(thoughts);
    expect(result.tokens.output).toBeGreaterThan(thoughts);
    const { input, cached, output } = result.tokens;
    const dollars = ((input - cached) * PRICE.input + cached * PRICE.cached + output * PRICE.output) / 1e6;
    expect(result.cost_usd).toBeCloseTo(dollars, 12);
    const answerOnly =
      ((input - cached) * PRICE.input + cached * PRICE.cached + (output - thoughts) * PRICE.output) / 1e6;
    expect(result.cost_usd - answerOnly).toBeCloseTo((thoughts * 2.5) / 1e6, 12);
  });

  it("retries an answer the thinking left no room for with twice the limit, and pays for both calls", async () => {
    // The filter's default limit is sized for no thinking; a long article thinks past it.
    const article = freshArticle(30);
    const limit = resolveOracle(filter).max_output_tokens;
    const oracle: ResolvedOracle = { ...resolveOracle(filter), thinking: 4096 };
    const thoughts = expectedThoughts(article, 4096);
    expect(thoughts).toBeGreaterThan(limit);
    expect(thoughts).toBeLessThan(2 * limit - 200);
    const asked: number[] = [];
    const { result, calls, usable } = await call(article, oracle, async (usd) => {
      asked.push(usd);
      return true;
    });
    expect(result).toMatchObject({ ok: true, attempts: 2, truncations: 1 });
    expect([calls, usable]).toEqual([2, 1]);
    expect(asked).toHaveLength(1);
    expect(asked[0]).toBeGreaterThan(0);
    // The cut call billed `limit` output tokens, all of them thinking; the retry the whole answer.
    expect(result.tokens.thinking).toBe(limit + thoughts);
    const { input, cached, output } = result.tokens;
    const dollars = ((input - cached) * PRICE.input + cached * PRICE.cached + output * PRICE.output) / 1e6;
    expect(result.cost_usd).toBeCloseTo(dollars, 12);
    expect(output).toBeGreaterThan(limit + thoughts);
  });

  it("fails oracle.truncated when the retry is cut too, billing both calls and storing nothing", async () => {
    const article = freshArticle();
    const oracle: ResolvedOracle = { ...resolveOracle(filter), thinking: 4096, max_output_tokens: 100 };
    const { result, calls, usable } = await call(article, oracle);
    expect(result).toMatchObject({ ok: false, code: "oracle.truncated", attempts: 2, truncations: 2 });
    expect([calls, usable]).toEqual([2, 0]);
    expect(result.tokens.output).toBe(100 + 200);
    expect(result.cost_usd).toBeGreaterThan((300 * PRICE.output) / 1e6);
    expect("scores" in result).toBe(false);
  });

  it("fails oracle.truncated after one call when the budget cannot hold the retry", async () => {
    const article = freshArticle();
    const oracle: ResolvedOracle = { ...resolveOracle(filter), thinking: 4096, max_output_tokens: 100 };
    const { result, calls } = await call(article, oracle, async () => false);
    expect(result).toMatchObject({ ok: false, code: "oracle.truncated", attempts: 1, truncations: 1 });
    expect(calls).toBe(1);
    expect(result.ok ? "" : result.message).toContain("budget cannot hold a retry");
    expect(result.cost_usd).toBeGreaterThan(0);
  });

  it("a thinking setting the model refuses fails at once with the API's message", async () => {
    const oracle: ResolvedOracle = {
      provider: "gemini",
      model: MODEL,
      thinking: "low",
      max_output_tokens: 4_000,
    };
    const { result, calls } = await call(freshArticle(), oracle);
    expect(result).toMatchObject({ ok: false, code: "oracle.bad_request", attempts: 1, cost_usd: 0 });
    expect(result.ok ? "" : result.message).toContain("Thinking level is not supported for this model");
    expect(calls).toBe(1);
  });
});
