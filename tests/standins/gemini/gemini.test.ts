/**
 * The Gemini stand-in driven by the real `@google/genai` SDK (pointed at it with `baseUrl` and
 * `apiVersion: "v1beta"`): structured answers, usage metadata with implicit caching, every fault,
 * Batch Mode with inline and file input, and the per-article call counters.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApiError, GoogleGenAI } from "@google/genai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { articleKey, type GeminiStandin, startGeminiStandin } from "./index";
import { lexicalScore } from "./lexical";

const schema = {
  type: "OBJECT",
  properties: {
    evidence: {
      type: "OBJECT",
      properties: { score: { type: "NUMBER", minimum: 0, maximum: 10 }, reason: { type: "STRING" } },
      required: ["score", "reason"],
    },
    impact: {
      type: "OBJECT",
      properties: { score: { type: "NUMBER", minimum: 0, maximum: 10 }, reason: { type: "STRING" } },
      required: ["score", "reason"],
    },
    content_type: { type: "STRING", enum: ["news", "opinion", "press_release"] },
  },
  required: ["evidence", "impact", "content_type"],
};
const prefix = `You score news articles on a rubric.\n${"Score each dimension from 0 to 10. ".repeat(150)}`;
const article = "Title: Solar farm opens\n\nA 50 MW solar farm started delivering power on Monday.";

let gemini: GeminiStandin;
let ai: GoogleGenAI;

function ask(text = article, timeout?: number) {
  return ai.models.generateContent({
    model: "gemini-2.5-flash",
    contents: text,
    config: {
      systemInstruction: prefix,
      responseMimeType: "application/json",
      responseSchema: schema,
      temperature: 0.2,
      ...(timeout ? { httpOptions: { timeout } } : {}),
    },
  });
}

beforeAll(async () => {
  gemini = await startGeminiStandin({ port: 0, batchPollsToComplete: 2 });
  ai = new GoogleGenAI({ apiKey: "test-key", apiVersion: "v1beta", httpOptions: { baseUrl: gemini.url } });
});
afterAll(() => gemini.close());
afterEach(() => gemini.configure({ script: [], faultRate: 0, latencyMs: 0 }));

describe("generateContent through the real SDK", () => {
  it("answers schema-valid JSON, the same for the same article, with usage metadata", async () => {
    const first = await ask();
    const second = await ask();
    const parsed = JSON.parse(first.text ?? "");
    expect(Object.keys(parsed)).toEqual(["evidence", "impact", "content_type"]);
    for (const dim of ["evidence", "impact"]) {
      expect(parsed[dim].score).toBeGreaterThanOrEqual(0);
      expect(parsed[dim].score).toBeLessThanOrEqual(10);
      expect(parsed[dim].reason.length).toBeGreaterThan(0);
    }
    expect(["news", "opinion", "press_release"]).toContain(parsed.content_type);
    expect(second.text).toBe(first.text);
    const other = JSON.parse((await ask(`${article} A second, different sentence.`)).text ?? "");
    expect(other).not.toEqual(parsed);

    const usage = first.usageMetadata!;
    expect(usage.promptTokenCount).toBeGreaterThan(1024);
    // Gemini 2.5 Flash thinks by default, and thoughts are billed in the total.
    expect(usage.thoughtsTokenCount).toBeGreaterThan(0);
    expect(usage.totalTokenCount).toBe(
      (usage.promptTokenCount ?? 0) + (usage.candidatesTokenCount ?? 0) + (usage.thoughtsTokenCount ?? 0),
    );
    expect(second.usageMetadata?.cachedContentTokenCount).toBeGreaterThan(1000);
    expect(second.candidates?.[0]?.finishReason).toBe("STOP");
  });

  it("counts calls per article key", async () => {
    const text = "A unique article for counting.";
    await ask(text);
    await ask(text);
    expect(gemini.stats.callsFor(articleKey(text))).toBe(2);
    expect(gemini.stats.summary().double_call_keys).toContain(articleKey(text));
  });

  it("refuses a request without an API key, as the real API does", async () => {
    const response = await fetch(`${gemini.url}/v1beta/models/gemini-2.5-flash:generateContent`, {
      method: "POST",
      body: JSON.stringify({ contents: [{ parts: [{ text: "x" }] }] }),
    });
    expect(response.status).toBe(403);
    expect((await response.json()).error.status).toBe("PERMISSION_DENIED");
  });
});

describe("faults", () => {
  it("429 carries Retry-After and RetryInfo; the SDK raises ApiError with the status", async () => {
    gemini.configure({ script: ["rate_limit", "rate_limit"], retryAfterS: 7 });
    const error = await ask().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(429);
    expect((error as ApiError).message).toContain('"retryDelay":"7s"');
    const raw = await fetch(`${gemini.url}/v1beta/models/gemini-2.5-flash:generateContent`, {
      method: "POST",
      headers: { "x-goog-api-key": "k" },
      body: JSON.stringify({ contents: [{ parts: [{ text: article }] }] }),
    });
    expect(raw.status).toBe(429);
    expect(raw.headers.get("retry-after")).toBe("7");
  });

  it.each([
    ["server_error", 500],
    ["unavailable", 503],
    ["bad_request", 400],
    ["forbidden", 403],
  ] as const)("%s answers HTTP %i", async (fault, status) => {
    gemini.configure({ script: [fault] });
    const error = (await ask().catch((e: unknown) => e)) as ApiError;
    expect(error.status).toBe(status);
  });

  it("a hang holds the request until the client's timeout aborts it", async () => {
    gemini.configure({ script: ["hang"] });
    const error = (await ask(article, 300).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(String(error.name + error.message)).toMatch(/abort|timeout/i);
    expect((await ask()).text).toContain("evidence");
  });

  it("latency delays answers", async () => {
    gemini.configure({ latencyMs: 250 });
    const start = performance.now();
    await ask();
    expect(performance.now() - start).toBeGreaterThanOrEqual(240);
  });

  it("safety blocks answer finishReason SAFETY with no text", async () => {
    gemini.configure({ script: ["safety"] });
    const response = await ask();
    expect(response.candidates?.[0]?.finishReason).toBe("SAFETY");
    expect(response.text).toBeUndefined();
  });

  it.each([
    ["fence", (t: string) => t.startsWith("```json\n") && t.endsWith("```")],
    ["trailing_text", (t: string) => /}\s+I hope/.test(t)],
    ["truncated", (t: string) => !t.trimEnd().endsWith("}")],
    ["score_string", (t: string) => /"score": "[0-9.]+"/.test(t)],
    ["out_of_range", (t: string) => t.includes('"score": 11.5')],
  ] as const)("%s spoils the JSON text the way models do", async (fault, check) => {
    gemini.configure({ script: [fault] });
    const text = (await ask()).text ?? "";
    expect(check(text)).toBe(true);
    expect(() => {
      const value = JSON.parse(text);
      if (typeof value.evidence.score !== "number" || value.evidence.score > 10) throw new Error("bad score");
    }).toThrow();
  });

  it("a fault rate injects faults reproducibly by seed", async () => {
    const run = async () => {
      gemini.configure({ faultRate: 0.5, faultKinds: ["server_error"], seed: 9 });
      const outcomes: string[] = [];
      for (let i = 0; i < 12; i++)
        outcomes.push(
          await ask().then(
            () => "ok",
            (e: ApiError) => String(e.status),
          ),
        );
      return outcomes;
    };
    const first = await run();
    expect(first).toContain("500");
    expect(first).toContain("ok");
    expect(await run()).toEqual(first);
  });
});

describe("Batch Mode through the real SDK", () => {
  const articles = ["Batch article one.", "Batch article two.", "Batch article three."];
  const request = (text: string) => ({
    contents: [{ role: "user", parts: [{ text }] }],
    config: { systemInstruction: prefix, responseMimeType: "application/json", responseSchema: schema },
  });

  it("inline requests: pending, running, then succeeded with keyed inlined responses", async () => {
    gemini.configure({ script: [null, "server_error", null] });
    const created = await ai.batches.create({
      model: "gemini-2.5-flash",
      src: articles.map((text, i) => ({ ...request(text), metadata: { key: `a${i}` } })),
      config: { displayName: "oracle-job" },
    });
    expect(created.state).toBe("JOB_STATE_PENDING");
    expect(created.name).toMatch(/^batches\//);
    const running = await ai.batches.get({ name: created.name! });
    expect(running.state).toBe("JOB_STATE_RUNNING");
    const done = await ai.batches.get({ name: created.name! });
    expect(done.state).toBe("JOB_STATE_SUCCEEDED");
    const responses = done.dest?.inlinedResponses ?? [];
    expect(responses.map((r) => r.metadata?.key)).toEqual(["a0", "a1", "a2"]);
    expect(responses[1]?.error).toMatchObject({ code: 500 });
    const text = responses[0]?.response?.candidates?.[0]?.content?.parts?.[0]?.text ?? "";
    expect(JSON.parse(text).evidence.score).toBeGreaterThanOrEqual(0);
    expect(responses[2]?.response?.usageMetadata?.promptTokenCount).toBeGreaterThan(0);
  });

  it("file input: uploaded JSONL in, responses file out", async () => {
    const lines = articles.map((text, i) =>
      JSON.stringify({
        key: `f${i}`,
        request: {
          contents: [{ role: "user", parts: [{ text }] }],
          systemInstruction: { parts: [{ text: prefix }] },
          generationConfig: { responseMimeType: "application/json", responseSchema: schema },
        },
      }),
    );
    const file = await ai.files.upload({
      file: new Blob([lines.join("\n")], { type: "application/jsonl" }),
      config: { mimeType: "application/jsonl", displayName: "oracle-input" },
    });
    expect(file.name).toMatch(/^files\//);
    const created = await ai.batches.create({ model: "gemini-2.5-flash", src: file.name! });
    await ai.batches.get({ name: created.name! });
    const done = await ai.batches.get({ name: created.name! });
    expect(done.state).toBe("JOB_STATE_SUCCEEDED");
    const dir = await mkdtemp(join(tmpdir(), "gemini-standin-"));
    try {
      const path = join(dir, "out.jsonl");
      await ai.files.download({ file: done.dest!.fileName!, downloadPath: path });
      const results = (await readFile(path, "utf8"))
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(results.map((r) => r.key)).toEqual(["f0", "f1", "f2"]);
      expect(results[0].response.candidates[0].content.parts[0].text).toContain('"evidence"');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("lexical scoring", () => {
  it("scores deployed technology above laboratory work, learnably from the wording", () => {
    const deployed =
      "The wind farm was commissioned and is now operating, with 300 megawatts installed and measured output.";
    const lab = "Researchers unveiled a prototype in the laboratory, a concept that could one day work.";
    expect(lexicalScore(deployed, "deployment")).toBeGreaterThan(7);
    expect(lexicalScore(lab, "deployment")).toBeLessThan(3);
    expect(lexicalScore(deployed, "deployment")).toBe(lexicalScore(deployed, "deployment"));
  });

  it("is used for every score leaf when the stand-in is started with scoring: lexical", async () => {
    const lexical = await startGeminiStandin({ scoring: "lexical" });
    try {
      const text = "A prototype in the laboratory, only a concept.";
      const response = await fetch(`${lexical.url}/v1beta/models/gemini-2.5-flash:generateContent`, {
        method: "POST",
        headers: { "x-goog-api-key": "k", "content-type": "application/json" },
        body: JSON.stringify({
          contents: [{ role: "user", parts: [{ text }] }],
          generationConfig: {
            responseMimeType: "application/json",
            responseSchema: {
              type: "OBJECT",
              properties: { maturity: { type: "OBJECT", properties: { score: { type: "NUMBER" } } } },
            },
          },
        }),
      });
      const body = (await response.json()) as { candidates: { content: { parts: { text: string }[] } }[] };
      const answer = JSON.parse(body.candidates[0]!.content.parts[0]!.text) as {
        maturity: { score: number };
      };
      expect(answer.maturity.score).toBe(lexicalScore(text, "maturity"));
    } finally {
      await lexical.close();
    }
  });
});
