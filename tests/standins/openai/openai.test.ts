/**
 * The OpenAI-compatible stand-in driven by the official `openai` SDK (pointed at it with `baseURL`):
 * structured answers and usage, reasoning tokens and truncation, DeepSeek's refusal of json_schema
 * and its json_object mode, the SDK's typed errors for 429 and bad keys, faults, knobs and counters.
 */
import OpenAI, {
  APIConnectionTimeoutError,
  type APIError,
  AuthenticationError,
  BadRequestError,
  NotFoundError,
  RateLimitError,
} from "openai";
import type { ChatCompletionCreateParamsNonStreaming } from "openai/resources/chat/completions";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { articleKey } from "../gemini/answer";
import { type OpenAIStandin, startOpenAIStandin } from "./index";

const dimension = {
  type: "object",
  properties: { score: { type: "number", minimum: 0, maximum: 10 }, reason: { type: "string" } },
  required: ["score", "reason"],
  additionalProperties: false,
};
const schema = {
  type: "object",
  properties: {
    evidence: dimension,
    impact: dimension,
    content_type: { type: "string", enum: ["news", "opinion", "press_release"] },
  },
  required: ["evidence", "impact", "content_type"],
  additionalProperties: false,
};
const system = `You score news articles on a rubric.\n${"Score each dimension from 0 to 10. ".repeat(150)}`;
const article = "Title: Solar farm opens\n\nA 50 MW solar farm started delivering power on Monday.";

let standin: OpenAIStandin;
let client: OpenAI;

function ask(model: string, extra: Partial<ChatCompletionCreateParamsNonStreaming> = {}, text = article) {
  return client.chat.completions.create({
    model,
    messages: [
      { role: "system", content: system },
      { role: "user", content: text },
    ],
    response_format: { type: "json_schema", json_schema: { name: "scores", schema, strict: true } },
    ...extra,
  });
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => new Error("expected the call to fail"),
    (error: unknown) => error,
  );
}

beforeAll(async () => {
  standin = await startOpenAIStandin({ port: 0, apiKey: "test-key" });
  client = new OpenAI({ apiKey: "test-key", baseURL: `${standin.url}/v1`, maxRetries: 0 });
});
afterAll(() => standin.close());
afterEach(() => standin.configure({ script: [], faultRate: 0, latencyMs: 0, bias: 0, noise: 0 }));

describe("chat completions through the real SDK", () => {
  it("answers schema-valid JSON, the same for the same article, with OpenAI's usage fields", async () => {
    const first = await ask("gpt-4.1-mini");
    const second = await ask("gpt-4.1-mini");
    expect(first.object).toBe("chat.completion");
    expect(first.id).toMatch(/^chatcmpl-/);
    const choice = first.choices[0]!;
    expect(choice.finish_reason).toBe("stop");
    expect(choice.message.refusal).toBeNull();
    const parsed = JSON.parse(choice.message.content ?? "");
    expect(Object.keys(parsed)).toEqual(["evidence", "impact", "content_type"]);
    expect(parsed.evidence.score).toBeGreaterThanOrEqual(0);
    expect(parsed.evidence.score).toBeLessThanOrEqual(10);
    expect(["news", "opinion", "press_release"]).toContain(parsed.content_type);
    expect(second.choices[0]?.message.content).toBe(choice.message.content);

    const usage = first.usage!;
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
    expect(usage.completion_tokens_details?.reasoning_tokens).toBe(0);
    expect(usage.prompt_tokens_details?.cached_tokens).toBe(0);
    expect(second.usage?.prompt_tokens_details?.cached_tokens).toBeGreaterThanOrEqual(1024);
    expect(second.usage!.prompt_tokens_details!.cached_tokens! % 128).toBe(0);
  });

  it("lists the configured models", async () => {
    const ids = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toContain("gpt-5-mini");
    expect(ids).toContain("deepseek-chat");
    const error = await failure(ask("gpt-unknown"));
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).code).toBe("model_not_found");
  });

  it("reasoning models bill reasoning tokens in completion_tokens, more for higher effort", async () => {
    const low = await ask("o4-mini", { reasoning_effort: "low" });
    const high = await ask("o4-mini", { reasoning_effort: "high" });
    const lowReasoning = low.usage?.completion_tokens_details?.reasoning_tokens ?? 0;
    const highReasoning = high.usage?.completion_tokens_details?.reasoning_tokens ?? 0;
    expect(lowReasoning).toBeGreaterThanOrEqual(400);
    expect(highReasoning).toBeGreaterThanOrEqual(4_000);
    const answerTokens = Math.ceil((low.choices[0]?.message.content ?? "").length / 4);
    expect(low.usage?.completion_tokens).toBe(lowReasoning + answerTokens);
    const error = await failure(ask("gpt-4.1-mini", { reasoning_effort: "low" }));
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).param).toBe("reasoning_effort");
  });

  it("OpenAI reasoning models refuse max_tokens and a non-default temperature", async () => {
    const maxTokens = await failure(ask("gpt-5-mini", { max_tokens: 500 }));
    expect(maxTokens).toBeInstanceOf(BadRequestError);
    expect((maxTokens as BadRequestError).message).toContain("Use 'max_completion_tokens' instead.");
    const temperature = await failure(ask("o4-mini", { temperature: 0.2 }));
    expect((temperature as BadRequestError).code).toBe("unsupported_value");
  });

  it("truncates at the token limit: reasoning first, then the answer, finish_reason length", async () => {
    const starved = await ask("gpt-5-mini", { max_completion_tokens: 300 });
    expect(starved.choices[0]?.finish_reason).toBe("length");
    expect(starved.choices[0]?.message.content).toBe("");
    expect(starved.usage?.completion_tokens_details?.reasoning_tokens).toBe(300);
    const cut = await ask("gpt-4.1-mini", { max_tokens: 20 });
    expect(cut.choices[0]?.finish_reason).toBe("length");
    expect(cut.choices[0]?.message.content).toHaveLength(80);
    expect(cut.usage?.completion_tokens).toBe(20);
    expect(() => JSON.parse(cut.choices[0]?.message.content ?? "")).toThrow();
  });

  it("a strict schema OpenAI cannot enforce is refused", async () => {
    const open = { ...schema, additionalProperties: true };
    const error = await failure(
      ask("gpt-4.1-mini", {
        response_format: { type: "json_schema", json_schema: { name: "scores", schema: open, strict: true } },
      }),
    );
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).message).toContain("'additionalProperties' is required");
  });
});

describe("DeepSeek", () => {
  it("refuses json_schema with DeepSeek's body", async () => {
    const error = await failure(ask("deepseek-chat"));
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).error).toEqual({
      message: "This response_format type is unavailable now",
      type: "invalid_request_error",
      param: null,
      code: "invalid_request_error",
    });
  });

  it("json_object follows the schema the prompt gives and needs the word json", async () => {
    const instructions = `${system}\nAnswer in JSON following this schema:\n\`\`\`json\n${JSON.stringify(schema)}\n\`\`\``;
    const messages = (content: string) =>
      [
        { role: "system", content },
        { role: "user", content: article },
      ] as const;
    const first = await client.chat.completions.create({
      model: "deepseek-reasoner",
      messages: [...messages(instructions)],
      response_format: { type: "json_object" },
    });
    const second = await client.chat.completions.create({
      model: "deepseek-reasoner",
      messages: [...messages(instructions)],
      response_format: { type: "json_object" },
    });
    const answer = JSON.parse(first.choices[0]?.message.content ?? "");
    expect(Object.keys(answer)).toEqual(["evidence", "impact", "content_type"]);
    // DeepSeek's own cache fields are not in the SDK's types.
    const usage = second.usage as OpenAI.CompletionUsage & {
      prompt_cache_hit_tokens: number;
      prompt_cache_miss_tokens: number;
    };
    expect(usage.completion_tokens_details?.reasoning_tokens).toBeGreaterThan(300);
    expect(usage.prompt_cache_hit_tokens).toBeGreaterThan(1000);
    expect(usage.prompt_cache_hit_tokens + usage.prompt_cache_miss_tokens).toBe(usage.prompt_tokens);

    const error = await failure(
      client.chat.completions.create({
        model: "deepseek-chat",
        messages: [...messages("Score the article.")],
        response_format: { type: "json_object" },
      }),
    );
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).message).toContain("must contain the word 'json'");
  });
});

describe("errors and faults", () => {
  it("429 carries retry-after and rate-limit headers and surfaces as RateLimitError", async () => {
    standin.configure({ script: ["rate_limit"], retryAfterS: 7 });
    const error = await failure(ask("gpt-4.1-mini"));
    expect(error).toBeInstanceOf(RateLimitError);
    const limited = error as RateLimitError;
    expect(limited.headers.get("retry-after")).toBe("7");
    expect(limited.headers.get("x-ratelimit-remaining-requests")).toBe("0");
    expect(limited.code).toBe("rate_limit_exceeded");
    expect(limited.type).toBe("requests");
  });

  it("a wrong or missing key is refused with 401", async () => {
    const wrong = new OpenAI({ apiKey: "sk-wrong-key", baseURL: `${standin.url}/v1`, maxRetries: 0 });
    const error = await failure(wrong.chat.completions.create({ model: "gpt-4.1-mini", messages: [] }));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).code).toBe("invalid_api_key");
    expect((error as AuthenticationError).message).toContain("Incorrect API key provided");
    const missing = await fetch(`${standin.url}/v1/models`);
    expect(missing.status).toBe(401);
  });

  it.each([
    ["server_error", 500],
    ["unavailable", 503],
  ] as const)("%s answers HTTP %i", async (fault, status) => {
    standin.configure({ script: [fault] });
    expect(((await failure(ask("gpt-4.1-mini"))) as APIError).status).toBe(status);
  });

  it("content faults spoil the text; a safety fault is a refusal", async () => {
    standin.configure({ script: ["fence", "trailing_text", "safety"] });
    expect((await ask("gpt-4.1-mini")).choices[0]?.message.content).toMatch(/^```json\n[\s\S]*```$/);
    expect((await ask("gpt-4.1-mini")).choices[0]?.message.content).toMatch(/}\s+I hope/);
    const refused = (await ask("gpt-4.1-mini")).choices[0]?.message;
    expect(refused?.content).toBeNull();
    expect(refused?.refusal).toContain("can't assist");
  });

  it("a hang holds the request until the client's timeout aborts it", async () => {
    standin.configure({ script: ["hang"] });
    const error = await failure(
      client.chat.completions.create(
        { model: "gpt-4.1-mini", messages: [{ role: "user", content: article }] },
        { timeout: 300 },
      ),
    );
    expect(error).toBeInstanceOf(APIConnectionTimeoutError);
    expect((await ask("gpt-4.1-mini")).choices[0]?.finish_reason).toBe("stop");
  });
});

describe("knobs and counters", () => {
  it("bias per model makes a bake-off between two models show a difference", async () => {
    standin.configure({ bias: { "gpt-5-mini": -1.5 } });
    const score = async (model: string) =>
      JSON.parse((await ask(model, { max_completion_tokens: 8_000 })).choices[0]?.message.content ?? "")
        .evidence.score as number;
    const plain = await score("gpt-4.1-mini");
    expect(await score("gpt-5-mini")).toBeCloseTo(Math.max(0, plain - 1.5), 5);
  });

  it("counts calls and usable answers per article key", async () => {
    const text = "A unique article for counting.";
    standin.configure({ script: [null, "fence"] });
    await ask("gpt-4.1-mini", {}, text);
    await ask("gpt-4.1-mini", {}, text);
    await ask("gpt-4.1-mini", {}, text);
    expect(standin.stats.callsFor(articleKey(text))).toBe(3);
    expect(standin.stats.usableFor(articleKey(text))).toBe(2);
    const summary = (await (await fetch(`${standin.url}/__standin/stats`)).json()) as {
      double_call_keys: string[];
    };
    expect(summary.double_call_keys).toContain(articleKey(text));
  });
});
