/**
 * `callOracle` through the OpenAI-compatible transport (the official `openai` SDK) against the
 * OpenAI-compatible stand-in over real HTTP: structured answers, DeepSeek's refusal of json_schema
 * (learnt once, then json_object for every article), reasoning models' parameter quirks and reasoning
 * tokens in the bill, Retry-After, truncation and a bad key.
 */
import {
  type ArticleText,
  exampleFilter,
  type ResolvedOracle,
  renderOraclePrompt,
  resolveOracle,
} from "@distillery/shared";
import { loadBuiltinFilters } from "@distillery/shared/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { callOracle } from "../../edge/src/oracle/call";
import { costUsd, priceFor, resolvePriceTable } from "../../edge/src/oracle/cost";
import { openaiTransport } from "../../edge/src/oracle/openai";
import { articleKey } from "../standins/gemini/index";
import { type OpenAIStandin, startOpenAIStandin } from "../standins/openai/index";

const API_KEY = "test-key";
let standin: OpenAIStandin;
let counter = 0;
const filter = exampleFilter();
const prices = resolvePriceTable();

function freshArticle(): ArticleText {
  counter += 1;
  return {
    title: `Tidal array ${counter} connected`,
    body: `The tidal array off coast ${counter} feeds 30 MW into the grid at every turn of the tide. `,
    language: "en",
    source: "example-news",
  };
}

function openaiOracle(model: string, thinking?: "low"): ResolvedOracle {
  return resolveOracle(filter, { provider: "openai", model, thinking });
}

async function call(
  article: ArticleText,
  oracle: ResolvedOracle,
  options: { apiKey?: string; delays?: number[] } = {},
) {
  // What an endpoint refused is remembered per URL and model for the isolate (here: this file), so
  // each test that checks the learning uses a model no other test calls.
  const transport = openaiTransport({ apiKey: options.apiKey ?? API_KEY, baseUrl: `${standin.url}/v1` });
  const result = await callOracle({
    transport,
    filter,
    article,
    oracle,
    price: priceFor(prices, oracle.model),
    timeoutMs: 2_000,
    sleep: async (ms) => {
      options.delays?.push(ms);
    },
    random: () => 0.5,
  });
  const key = articleKey(renderOraclePrompt(filter, article).article);
  return { result, calls: standin.stats.callsFor(key), usable: standin.stats.usableFor(key) };
}

beforeAll(async () => {
  standin = await startOpenAIStandin({ port: 0, apiKey: API_KEY });
});
afterAll(() => standin.close());
afterEach(() => standin.configure({ script: [], retryAfterS: 1 }));

describe("callOracle over an OpenAI-compatible endpoint", () => {
  it("labels with gpt-4o-mini through json_schema, in one call, priced from the table", async () => {
    const oracle = openaiOracle("gpt-4o-mini");
    const { result, calls, usable } = await call(freshArticle(), oracle);
    expect(result).toMatchObject({ ok: true, provider: "openai", model: "gpt-4o-mini", attempts: 1 });
    if (!result.ok) return;
    expect(Object.keys(result.scores)).toEqual(filter.dimensions.map((d) => d.key));
    expect(result.tokens.thinking).toBe(0);
    expect(result.cost_usd).toBeCloseTo(
      costUsd(priceFor(prices, "gpt-4o-mini"), result.tokens, "interactive"),
      12,
    );
    expect([calls, usable]).toEqual([1, 1]);
  });

  it("falls back to json_object for deepseek-chat once, then asks every article in json_object", async () => {
    const oracle = openaiOracle("deepseek-chat");
    const first = await call(freshArticle(), oracle);
    expect(first.result.ok).toBe(true);
    // The refused json_schema call (unbilled) and the json_object one.
    expect([first.calls, first.usable]).toEqual([2, 1]);
    const second = await call(freshArticle(), oracle);
    expect(second.result).toMatchObject({ ok: true, attempts: 1, repaired: false });
    expect([second.calls, second.usable]).toEqual([1, 1]);
    if (!second.result.ok) return;
    expect(Object.keys(second.result.scores)).toEqual(filter.dimensions.map((d) => d.key));
  });

  it("in json_object mode, answers a built-in filter whose prompt has braces before the schema", async () => {
    // The built-in prompts hold `{…}` placeholders and examples; the schema is fenced and last. After the
    // test above, this model is already asked in json_object mode.
    const builtin = (await loadBuiltinFilters()).find((f) => f.name === "sustainability-tech-deployment")!;
    const oracle = resolveOracle(builtin, { provider: "openai", model: "deepseek-chat" });
    const transport = openaiTransport({ apiKey: API_KEY, baseUrl: `${standin.url}/v1` });
    const result = await callOracle({
      transport,
      filter: builtin,
      article: freshArticle(),
      oracle,
      price: priceFor(prices, oracle.model),
      timeoutMs: 2_000,
      sleep: async () => {},
    });
    expect(result).toMatchObject({ ok: true });
    if (!result.ok) return;
    expect(Object.keys(result.scores)).toEqual(builtin.dimensions.map((d) => d.key));
  });

  it("articles in flight together when the refusal is learnt all get their adapted retry", async () => {
    const oracle = openaiOracle("deepseek-reasoner");
    const outcomes = await Promise.all([1, 2, 3].map(() => call(freshArticle(), oracle)));
    for (const { result, calls, usable } of outcomes) {
      expect(result).toMatchObject({ ok: true, attempts: 1 });
      expect([calls, usable]).toEqual([2, 1]);
    }
  });

  it("learns a reasoning model's max_completion_tokens and temperature, and bills its reasoning", async () => {
    const oracle = openaiOracle("gpt-5-mini", "low");
    const first = await call(freshArticle(), oracle);
    expect(first.result).toMatchObject({ ok: true, attempts: 1 });
    // Refused max_tokens, refused temperature, then answered.
    expect(first.calls).toBe(3);
    const { result, calls } = await call(freshArticle(), oracle);
    expect(calls).toBe(1);
    expect(result.ok).toBe(true);
    expect(result.tokens.thinking).toBeGreaterThanOrEqual(400);
    expect(result.tokens.output).toBeGreaterThan(result.tokens.thinking);
    const price = priceFor(prices, "gpt-5-mini");
    expect(result.cost_usd).toBeCloseTo(costUsd(price, result.tokens, "interactive"), 12);
    const answerOnly = costUsd(
      price,
      { ...result.tokens, output: result.tokens.output - result.tokens.thinking },
      "interactive",
    );
    expect(result.cost_usd - answerOnly).toBeCloseTo(
      (result.tokens.thinking * price.output_per_mtok) / 1e6,
      12,
    );
  });

  it("waits at least Retry-After after a 429, then succeeds", async () => {
    standin.configure({ script: ["rate_limit"], retryAfterS: 7 });
    const delays: number[] = [];
    const { result, usable } = await call(freshArticle(), openaiOracle("gpt-4o-mini"), { delays });
    expect(result).toMatchObject({ ok: true, attempts: 2 });
    expect(delays).toHaveLength(1);
    expect(delays[0]).toBeGreaterThanOrEqual(7_000);
    expect(usable).toBe(1);
  });

  it("retries an answer cut at the limit (finish_reason length) with twice the limit", async () => {
    const oracle: ResolvedOracle = { ...openaiOracle("gpt-4o-mini"), max_output_tokens: 60 };
    const { result, calls, usable } = await call(freshArticle(), oracle);
    // 60 tokens cannot hold the answer, 120 can.
    expect(result).toMatchObject({ ok: true, attempts: 2, truncations: 1 });
    expect([calls, usable]).toEqual([2, 1]);
    expect(result.tokens.output).toBeGreaterThan(60);
  });

  it("fails at once with oracle.unauthorized on a wrong key", async () => {
    const { result, calls } = await call(freshArticle(), openaiOracle("gpt-4o-mini"), {
      apiKey: "sk-wrong-key",
    });
    expect(result).toMatchObject({ ok: false, code: "oracle.unauthorized", attempts: 1, cost_usd: 0 });
    expect(result.ok ? "" : result.message).toContain("Incorrect API key provided");
    expect(calls).toBe(0);
  });
});
