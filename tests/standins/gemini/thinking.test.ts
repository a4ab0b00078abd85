/**
 * Thinking, output limits and the bias/noise knobs of the Gemini stand-in, driven by the real
 * `@google/genai` SDK (`config.thinkingConfig`, `config.maxOutputTokens`): thought tokens billed when
 * a model thinks and absent when it does not, MAX_TOKENS cuts, the per-model refusals (HTTP 400),
 * levels on Gemini 3, the same rules in Batch Mode, and knobs that make two models disagree.
 */
import { ApiError, type GenerateContentConfig, GoogleGenAI, ThinkingLevel } from "@google/genai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { articleKey, type GeminiStandin, startGeminiStandin } from "./index";

const schema = {
  type: "OBJECT",
  properties: {
    evidence: { type: "OBJECT", properties: { score: { type: "NUMBER" }, reason: { type: "STRING" } } },
    impact: { type: "OBJECT", properties: { score: { type: "NUMBER" }, reason: { type: "STRING" } } },
  },
};
const article = "Title: Grid battery online\n\nA 200 MWh battery began operating beside the substation.";

let gemini: GeminiStandin;
let ai: GoogleGenAI;

function ask(model: string, config: GenerateContentConfig = {}, text = article) {
  return ai.models.generateContent({
    model,
    contents: text,
    config: {
      systemInstruction: "Score the article.",
      responseMimeType: "application/json",
      responseSchema: schema,
      ...config,
    },
  });
}

async function refusal(model: string, config: GenerateContentConfig): Promise<ApiError> {
  const error = await ask(model, config).then(
    () => new Error("expected a 400"),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  expect((error as ApiError).status).toBe(400);
  return error as ApiError;
}

beforeAll(async () => {
  gemini = await startGeminiStandin({ port: 0, batchPollsToComplete: 0 });
  ai = new GoogleGenAI({ apiKey: "test-key", apiVersion: "v1beta", httpOptions: { baseUrl: gemini.url } });
});
afterAll(() => gemini.close());
afterEach(() => gemini.configure({ bias: 0, noise: 0, noiseSeed: 1 }));

describe("thought tokens", () => {
  it("a thinking model bills thoughts in the total but keeps them out of the text", async () => {
    const response = await ask("gemini-2.5-flash");
    const usage = response.usageMetadata!;
    expect(usage.thoughtsTokenCount).toBeGreaterThanOrEqual(300);
    expect(usage.totalTokenCount).toBe(
      usage.promptTokenCount! + usage.candidatesTokenCount! + usage.thoughtsTokenCount!,
    );
    expect(Object.keys(JSON.parse(response.text ?? ""))).toEqual(["evidence", "impact"]);
    expect(response.candidates?.[0]?.content?.parts).toHaveLength(1);
    expect((await ask("gemini-2.5-flash")).usageMetadata?.thoughtsTokenCount).toBe(usage.thoughtsTokenCount);
  });

  it("longer articles think longer; a budget caps the thoughts", async () => {
    const short = (await ask("gemini-2.5-flash")).usageMetadata!.thoughtsTokenCount!;
    const long = (await ask("gemini-2.5-flash", {}, article.repeat(40))).usageMetadata!.thoughtsTokenCount!;
    expect(long).toBeGreaterThan(short);
    const capped = await ask("gemini-2.5-flash", { thinkingConfig: { thinkingBudget: 200 } });
    expect(capped.usageMetadata?.thoughtsTokenCount).toBe(200);
  });

  it("no thinking, no thoughtsTokenCount field: budget 0, Flash-Lite's default, Gemini 2.0", async () => {
    for (const response of [
      await ask("gemini-2.5-flash", { thinkingConfig: { thinkingBudget: 0 } }),
      await ask("gemini-2.5-flash-lite"),
      await ask("models/gemini-2.0-flash", { thinkingConfig: { thinkingBudget: 0 } }),
    ]) {
      const usage = response.usageMetadata!;
      expect(usage).not.toHaveProperty("thoughtsTokenCount");
      expect(usage.totalTokenCount).toBe(usage.promptTokenCount! + usage.candidatesTokenCount!);
    }
    const lite = await ask("gemini-2.5-flash-lite", { thinkingConfig: { thinkingBudget: 512 } });
    expect(lite.usageMetadata?.thoughtsTokenCount).toBeGreaterThan(0);
  });

  it("Gemini 3 levels: Flash takes minimal to high, Pro low and high, default high", async () => {
    const thoughts = async (model: string, level?: ThinkingLevel) =>
      (await ask(model, level ? { thinkingConfig: { thinkingLevel: level } } : {})).usageMetadata
        ?.thoughtsTokenCount ?? 0;
    expect(await thoughts("gemini-3-flash-preview", ThinkingLevel.MINIMAL)).toBeLessThanOrEqual(64);
    expect(await thoughts("gemini-3-flash-preview", ThinkingLevel.MEDIUM)).toBeGreaterThanOrEqual(1_500);
    expect(await thoughts("gemini-3-flash-preview", ThinkingLevel.MEDIUM)).toBeLessThan(1_600);
    expect(await thoughts("gemini-3-pro-preview", ThinkingLevel.LOW)).toBeGreaterThanOrEqual(400);
    expect(await thoughts("gemini-3-pro-preview", ThinkingLevel.LOW)).toBeLessThan(500);
    expect(await thoughts("gemini-3-pro-preview")).toBeGreaterThanOrEqual(4_000);
    await refusal("gemini-3-pro-preview", { thinkingConfig: { thinkingLevel: ThinkingLevel.MEDIUM } });
    const legacy = await ask("gemini-3-pro-preview", { thinkingConfig: { thinkingBudget: 1_024 } });
    expect(legacy.usageMetadata?.thoughtsTokenCount).toBeLessThanOrEqual(1_024);
  });
});

describe("refusals (HTTP 400 INVALID_ARGUMENT)", () => {
  it.each([
    ["gemini-2.5-pro", { thinkingBudget: 0 }, "Budget 0 is invalid. This model only works in thinking mode."],
    ["gemini-2.5-pro", { thinkingBudget: 64 }, "thinking budget 64 is invalid"],
    ["gemini-2.5-flash", { thinkingBudget: 30_000 }, "thinking budget 30000 is invalid"],
    ["gemini-2.5-flash-lite", { thinkingBudget: 100 }, "thinking budget 100 is invalid"],
    ["gemini-2.0-flash", { thinkingBudget: 1_024 }, "Thinking is not supported for this model."],
    [
      "gemini-2.5-flash",
      { thinkingLevel: ThinkingLevel.LOW },
      "Thinking level is not supported for this model.",
    ],
    [
      "gemini-3-flash-preview",
      { thinkingBudget: 1_024, thinkingLevel: ThinkingLevel.LOW },
      "You can only set one of thinking budget and thinking level.",
    ],
  ] as const)("%s refuses %j", async (model, thinkingConfig, message) => {
    const error = await refusal(model, { thinkingConfig });
    expect(error.message).toContain(message);
    expect(error.message).toContain("INVALID_ARGUMENT");
  });

  it("accepts REST-style level names case-insensitively", async () => {
    for (const thinkingLevel of ["high", "THINKING_LEVEL_HIGH"]) {
      const response = await fetch(`${gemini.url}/v1beta/models/gemini-3-flash-preview:generateContent`, {
        method: "POST",
        headers: { "x-goog-api-key": "k", "content-type": "application/json" },
        body: JSON.stringify({
          contents: [{ role: "user", parts: [{ text: article }] }],
          generationConfig: { thinkingConfig: { thinkingLevel } },
        }),
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { usageMetadata: { thoughtsTokenCount: number } };
      expect(body.usageMetadata.thoughtsTokenCount).toBeGreaterThanOrEqual(4_000);
    }
  });
});

describe("maxOutputTokens", () => {
  it("thoughts that use the whole limit leave no text: MAX_TOKENS and a content without parts", async () => {
    const usableBefore = gemini.stats.usableFor(articleKey(article));
    const response = await ask("gemini-2.5-flash", { maxOutputTokens: 100 });
    const candidate = response.candidates?.[0];
    expect(candidate?.finishReason).toBe("MAX_TOKENS");
    expect(candidate?.content?.parts).toBeUndefined();
    expect(response.text).toBeUndefined();
    expect(response.usageMetadata?.thoughtsTokenCount).toBe(100);
    expect(response.usageMetadata?.candidatesTokenCount).toBe(0);
    expect(gemini.stats.usableFor(articleKey(article))).toBe(usableBefore);
  });

  it("an answer longer than the tokens left is cut to them", async () => {
    const response = await ask("gemini-2.5-pro", {
      maxOutputTokens: 150,
      thinkingConfig: { thinkingBudget: 128 },
    });
    expect(response.candidates?.[0]?.finishReason).toBe("MAX_TOKENS");
    expect(response.usageMetadata?.thoughtsTokenCount).toBe(128);
    expect(response.usageMetadata?.candidatesTokenCount).toBe(22);
    expect(response.text).toHaveLength(88);
    expect(() => JSON.parse(response.text ?? "")).toThrow();
  });

  it("Batch Mode applies the same limits and refusals per request", async () => {
    const request = (config: GenerateContentConfig) => ({
      contents: [{ role: "user", parts: [{ text: article }] }],
      config: { responseMimeType: "application/json", responseSchema: schema, ...config },
    });
    const created = await ai.batches.create({
      model: "gemini-2.5-pro",
      src: [
        request({ maxOutputTokens: 50 }),
        request({ thinkingConfig: { thinkingBudget: 0 } }),
        request({ thinkingConfig: { thinkingBudget: 128 } }),
      ],
    });
    const done = await ai.batches.get({ name: created.name! });
    const [cut, refused, whole] = done.dest?.inlinedResponses ?? [];
    expect(cut?.response?.candidates?.[0]?.finishReason).toBe("MAX_TOKENS");
    expect(refused?.error).toMatchObject({ code: 400, status: "INVALID_ARGUMENT" });
    expect(whole?.response?.candidates?.[0]?.finishReason).toBe("STOP");
    expect(whole?.response?.usageMetadata?.thoughtsTokenCount).toBe(128);
  });
});

describe("bias and noise knobs", () => {
  const scores = async (model: string) => {
    const value = JSON.parse((await ask(model)).text ?? "");
    return [value.evidence.score as number, value.impact.score as number];
  };

  it("bias per model shifts that model's scores only, clamped to 0..10", async () => {
    const plain = await scores("gemini-2.5-flash-lite");
    gemini.configure({ bias: { "gemini-2.5-flash-lite": 0.8 } });
    const biased = await scores("gemini-2.5-flash-lite");
    biased.forEach((score, i) => {
      expect(score).toBeCloseTo(Math.min(10, (plain[i] ?? 0) + 0.8), 5);
    });
    expect(await scores("gemini-2.5-flash")).toEqual(plain);
  });

  it("noise makes repeated calls disagree, reproducibly by seed", async () => {
    gemini.configure({ noise: 1, noiseSeed: 5 });
    const first = [await scores("gemini-2.5-flash"), await scores("gemini-2.5-flash")];
    expect(first[0]).not.toEqual(first[1]);
    gemini.configure({ noise: 1, noiseSeed: 5 });
    expect([await scores("gemini-2.5-flash"), await scores("gemini-2.5-flash")]).toEqual(first);
  });
});
