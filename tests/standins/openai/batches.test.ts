/**
 * OpenAI's Batch API in the OpenAI-compatible stand-in, driven by the official `openai` SDK: a JSONL
 * input file uploaded with purpose `batch`, a batch that completes after the configured retrieves, its
 * output and error files read back, faults and refusals landing in the error file, cancelling, and
 * the counters showing each line answered once.
 */
import OpenAI, { BadRequestError, NotFoundError, toFile } from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type OpenAIStandin, startOpenAIStandin } from "./index";

const schema = {
  type: "object",
  properties: { score: { type: "number", minimum: 0, maximum: 10 }, reason: { type: "string" } },
  required: ["score", "reason"],
  additionalProperties: false,
};

let standin: OpenAIStandin;
let client: OpenAI;

type ResultLine = {
  id: string;
  custom_id: string | null;
  response: { status_code: number; body: Record<string, unknown> } | null;
  error: { code: string; message: string } | null;
};

function line(customId: string, article: string, model = "gpt-4o-mini") {
  return {
    custom_id: customId,
    method: "POST",
    url: "/v1/chat/completions",
    body: {
      model,
      messages: [
        { role: "system", content: "Score the article from 0 to 10." },
        { role: "user", content: article },
      ],
      max_tokens: 500,
      response_format: { type: "json_schema", json_schema: { name: "answer", schema, strict: true } },
    },
  };
}

async function upload(lines: unknown[]) {
  const jsonl = `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`;
  return client.files.create({ file: await toFile(Buffer.from(jsonl), "input.jsonl"), purpose: "batch" });
}

async function readLines(fileId: string): Promise<ResultLine[]> {
  const text = await (await client.files.content(fileId)).text();
  return text
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as ResultLine);
}

beforeAll(async () => {
  standin = await startOpenAIStandin({ port: 0, apiKey: "test-key", batchPollsToComplete: 2 });
  client = new OpenAI({ apiKey: "test-key", baseURL: `${standin.url}/v1`, maxRetries: 0 });
});
afterAll(() => standin.close());
afterEach(() => standin.configure({ script: [], faultRate: 0 }));

describe("the Batch API through the real SDK", () => {
  afterEach(() => standin.stats.reset());

  it("uploads, runs after the configured polls and answers every line once in the output file", async () => {
    const ids = Array.from({ length: 5 }, (_, i) => `article-${i}`);
    const input = await upload(ids.map((id) => line(id, `Title: Story ${id}\n\nSomething happened.`)));
    expect(input.purpose).toBe("batch");
    expect(input.id).toMatch(/^file-/);

    const created = await client.batches.create({
      input_file_id: input.id,
      endpoint: "/v1/chat/completions",
      completion_window: "24h",
    });
    expect(created.status).toBe("validating");
    expect((await client.batches.retrieve(created.id)).status).toBe("in_progress");
    const done = await client.batches.retrieve(created.id);
    expect(done.status).toBe("completed");
    expect(done.request_counts).toEqual({ total: 5, completed: 5, failed: 0 });
    expect(done.error_file_id).toBeNull();

    const lines = await readLines(done.output_file_id as string);
    expect(lines.map((l) => l.custom_id).sort()).toEqual(ids);
    for (const result of lines) {
      expect(result.error).toBeNull();
      expect(result.response?.status_code).toBe(200);
      const body = result.response?.body as unknown as OpenAI.Chat.Completions.ChatCompletion;
      expect(body.object).toBe("chat.completion");
      expect(body.choices[0]?.finish_reason).toBe("stop");
      const answer = JSON.parse(body.choices[0]?.message.content ?? "") as { score: number };
      expect(answer.score).toBeGreaterThanOrEqual(0);
      expect(body.usage?.prompt_tokens).toBeGreaterThan(0);
    }
    const stats = standin.stats.summary();
    expect(stats.calls).toBe(5);
    expect(stats.double_calls).toBe(0);
  });

  it("sends faults and refused requests to the error file with their status and body", async () => {
    standin.configure({ script: [null, "rate_limit"] });
    const input = await upload([
      line("ok", "Title: A\n\nFine."),
      line("limited", "Title: B\n\nFine."),
      line("unknown-model", "Title: C\n\nFine.", "no-such-model"),
    ]);
    const created = await client.batches.create({
      input_file_id: input.id,
      endpoint: "/v1/chat/completions",
      completion_window: "24h",
    });
    await client.batches.retrieve(created.id);
    const done = await client.batches.retrieve(created.id);
    expect(done.request_counts).toEqual({ total: 3, completed: 1, failed: 2 });
    const output = await readLines(done.output_file_id as string);
    expect(output.map((l) => l.custom_id)).toEqual(["ok"]);
    const errors = await readLines(done.error_file_id as string);
    const status = Object.fromEntries(errors.map((l) => [l.custom_id, l.response?.status_code]));
    expect(status).toEqual({ limited: 429, "unknown-model": 404 });
  });

  it("cancels an open batch without output, and refuses what the real API refuses", async () => {
    const input = await upload([line("x", "Title: X\n\nFine.")]);
    const created = await client.batches.create({
      input_file_id: input.id,
      endpoint: "/v1/chat/completions",
      completion_window: "24h",
    });
    const cancelled = await client.batches.cancel(created.id);
    expect(cancelled.status).toBe("cancelled");
    expect((await client.batches.retrieve(created.id)).output_file_id).toBeNull();

    await expect(
      client.batches.create({
        input_file_id: input.id,
        endpoint: "/v1/embeddings",
        completion_window: "24h",
      }),
    ).rejects.toBeInstanceOf(BadRequestError);
    await expect(client.batches.retrieve("batch_missing")).rejects.toBeInstanceOf(NotFoundError);
    await expect(client.files.content("file-missing")).rejects.toBeInstanceOf(NotFoundError);
  });
});
