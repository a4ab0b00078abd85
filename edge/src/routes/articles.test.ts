import { env } from "cloudflare:test";
import {
  articleBatchResultSchema,
  articleSchema,
  articleSubmitResultSchema,
  articleSummarySchema,
  errorBodySchema,
  MAX_ARTICLE_METADATA_BYTES,
  MAX_ARTICLE_METADATA_DEPTH,
  MAX_ARTICLE_URL_CHARS,
  ndjsonIngestResultSchema,
  pageSchema,
} from "@distillery/shared";
import { describe, expect, it } from "vitest";
import { call, makeToken } from "../../test/helpers";
import { INLINE_BODY_CHARS } from "../articles/store";

let counter = 0;
function article(overrides: Record<string, unknown> = {}) {
  counter += 1;
  return {
    url: `https://news.example/a/${counter}-${crypto.randomUUID()}`,
    title: `Title ${counter}`,
    body: `Body of article ${counter}.`,
    language: "en",
    source: "example",
    published_at: "2026-01-02T03:04:05Z",
    ...overrides,
  };
}

async function countArticles(): Promise<number> {
  const row = await env.DB.prepare("SELECT count(*) AS n FROM articles").first<{ n: number }>();
  return row?.n ?? 0;
}

describe("POST /v1/articles", () => {
  it("stores once: a resubmission (even with tracking params) returns the same id", async () => {
    const token = await makeToken("submitter");
    const input = article();
    const first = await call("/v1/articles", { token, json: input });
    expect(first.status).toBe(201);
    const { id, created } = articleSubmitResultSchema.parse(await first.json());
    expect(created).toBe(true);
    const again = await call("/v1/articles", {
      token,
      json: { ...input, url: `${input.url}?utm_source=feed#x` },
    });
    expect(again.status).toBe(200);
    expect(articleSubmitResultSchema.parse(await again.json())).toEqual({ id, created: false });

    const stored = articleSchema.parse(await (await call(`/v1/articles/${id}`, { token })).json());
    expect(stored).toMatchObject({ title: input.title, body: input.body, source: "example", language: "en" });
  });

  it("keeps a large body in R2 and returns it whole", async () => {
    const token = await makeToken("submitter");
    const body = "word ".repeat(INLINE_BODY_CHARS / 2);
    const { id } = articleSubmitResultSchema.parse(
      await (await call("/v1/articles", { token, json: article({ body }) })).json(),
    );
    const row = await env.DB.prepare("SELECT body, body_key FROM articles WHERE id = ?").bind(id).first();
    expect(row?.body).toBeNull();
    expect(await (await env.BUCKET.get(String(row?.body_key)))?.text()).toBe(body);
    const stored = articleSchema.parse(await (await call(`/v1/articles/${id}`, { token })).json());
    expect(stored.body).toBe(body);
  });

  it("refuses unknown fields and bad values, naming the field", async () => {
    const token = await makeToken("submitter");
    const response = await call("/v1/articles", {
      token,
      json: article({ colour: "red", language: "english" }),
    });
    expect(response.status).toBe(400);
    const paths = errorBodySchema.parse(await response.json()).error.details.map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(["language"]));
    expect(paths.some((p) => p === "(root)" || p === "colour")).toBe(true);
  });

  it("refuses a body over the size limit with 413", async () => {
    const token = await makeToken("submitter");
    const response = await call("/v1/articles", {
      token,
      body: JSON.stringify(article({ body: "x".repeat(11 * 1024 * 1024) })),
      headers: { "content-type": "application/json" },
    });
    expect(response.status).toBe(413);
    expect(errorBodySchema.parse(await response.json()).error.code).toBe("request.too_large");
  });

  it("lets a bot read but not submit", async () => {
    const bot = await makeToken("bot");
    expect((await call("/v1/articles", { token: bot, json: article() })).status).toBe(403);
    expect((await call("/v1/articles", { token: bot })).status).toBe(200);
  });
});

describe("POST /v1/articles/batch", () => {
  it("stores a valid batch and reports per item, including repeats", async () => {
    const token = await makeToken("submitter");
    const a = article();
    const b = article();
    const response = await call("/v1/articles/batch", { token, json: { articles: [a, b, a] } });
    expect(response.status).toBe(200);
    const result = articleBatchResultSchema.parse(await response.json());
    expect(result.created).toBe(2);
    expect(result.existing).toBe(1);
    expect(result.results[2]?.id).toBe(result.results[0]?.id);
  });

  it("stores nothing when one article is invalid, and names it", async () => {
    const token = await makeToken("submitter");
    const before = await countArticles();
    const response = await call("/v1/articles/batch", {
      token,
      json: { articles: [article(), article({ url: "not a url" }), article()] },
    });
    expect(response.status).toBe(400);
    const details = errorBodySchema.parse(await response.json()).error.details;
    expect(details[0]?.path).toBe("articles[1].url");
    expect(await countArticles()).toBe(before);
  });

  it("refuses more than 1,000 articles", async () => {
    const token = await makeToken("submitter");
    const articles = Array.from({ length: 1001 }, () => article());
    const response = await call("/v1/articles/batch", { token, json: { articles } });
    expect(response.status).toBe(400);
    expect(errorBodySchema.parse(await response.json()).error.details[0]?.path).toBe("articles");
  });
});

describe("POST /v1/articles/ndjson", () => {
  it("stores valid lines and reports invalid ones by line number and field", async () => {
    const token = await makeToken("submitter");
    const lines = [
      JSON.stringify(article()),
      "",
      "{not json",
      JSON.stringify(article({ language: "xx-long" })),
      JSON.stringify(article()),
    ];
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        // Split mid-line so the reader must join chunks.
        const bytes = new TextEncoder().encode(lines.join("\n"));
        controller.enqueue(bytes.slice(0, 37));
        controller.enqueue(bytes.slice(37));
        controller.close();
      },
    });
    const response = await call("/v1/articles/ndjson", {
      token,
      body: stream,
      headers: { "content-type": "application/x-ndjson" },
    });
    expect(response.status).toBe(200);
    const result = ndjsonIngestResultSchema.parse(await response.json());
    expect(result).toMatchObject({ lines: 4, created: 2, existing: 0, rejected: 2 });
    expect(result.errors.map((e) => [e.line, e.path])).toEqual([
      [3, "(root)"],
      [4, "language"],
    ]);
  });
});

describe("GET /v1/articles", () => {
  it("filters by source and language and pages with a cursor", async () => {
    const token = await makeToken("submitter");
    const source = `src-${crypto.randomUUID().slice(0, 8)}`;
    const batch = [article({ source }), article({ source }), article({ source, language: "nl" })];
    await call("/v1/articles/batch", { token, json: { articles: batch } });
    const page = pageSchema(articleSummarySchema).parse(
      await (await call(`/v1/articles?source=${source}&language=en&limit=1`, { token })).json(),
    );
    expect(page.items).toHaveLength(1);
    expect(page.next_cursor).not.toBeNull();
    const next = pageSchema(articleSummarySchema).parse(
      await (
        await call(`/v1/articles?source=${source}&language=en&limit=1&cursor=${page.next_cursor}`, { token })
      ).json(),
    );
    expect(next.items).toHaveLength(1);
    expect(next.items[0]?.id).not.toBe(page.items[0]?.id);
    expect(next.next_cursor).toBeNull();
  });

  it("filters by the tier a filter gave (FILTER:TIER)", async () => {
    const token = await makeToken("submitter");
    const { id } = articleSubmitResultSchema.parse(
      await (await call("/v1/articles", { token, json: article() })).json(),
    );
    await env.DB.prepare(
      "INSERT INTO oracle_labels (article_id, filter, filter_version, prompt_hash, model, mode, scores, tier) VALUES (?, 'sust', 1, 'h', 'm', 'interactive', '{}', 'high')",
    )
      .bind(id)
      .run();
    const page = pageSchema(articleSummarySchema).parse(
      await (await call("/v1/articles?tier=sust:high", { token })).json(),
    );
    expect(page.items.map((a) => a.id)).toEqual([id]);
    const bad = await call("/v1/articles?tier=high", { token });
    expect(errorBodySchema.parse(await bad.json()).error.details[0]?.path).toBe("tier");
  });
});

/** Posts NDJSON lines (strings, or raw bytes for a line that is not UTF-8). */
async function postNdjson(token: string, lines: (string | Uint8Array)[]) {
  const parts = lines.map((line) => (typeof line === "string" ? new TextEncoder().encode(line) : line));
  const body = new Uint8Array(parts.reduce((sum, part) => sum + part.length + 1, 0));
  let offset = 0;
  for (const part of parts) {
    body.set(part, offset);
    body[offset + part.length] = 0x0a;
    offset += part.length + 1;
  }
  const response = await call("/v1/articles/ndjson", {
    token,
    body,
    headers: { "content-type": "application/x-ndjson" },
  });
  expect(response.status).toBe(200);
  return ndjsonIngestResultSchema.parse(await response.json());
}

function nested(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
}

describe("article limits: every client error is a 4xx naming the field, and nothing is stored", () => {
  const bigMetadata = { blob: "m".repeat(MAX_ARTICLE_METADATA_BYTES) };

  it("caps metadata and url in single and batch submissions", async () => {
    const token = await makeToken("submitter");
    const before = await countArticles();
    const cases: [unknown, string][] = [
      [article({ metadata: bigMetadata }), "metadata"],
      [article({ metadata: { blob: "m".repeat(9_500_000) } }), "metadata"],
      [article({ url: `https://news.example/${"p".repeat(MAX_ARTICLE_URL_CHARS)}` }), "url"],
    ];
    for (const [input, path] of cases) {
      const response = await call("/v1/articles", { token, json: input });
      expect(response.status).toBe(400);
      expect(errorBodySchema.parse(await response.json()).error.details[0]?.path).toBe(path);
    }
    const batch = await call("/v1/articles/batch", {
      token,
      json: { articles: [article(), article({ metadata: bigMetadata })] },
    });
    expect(batch.status).toBe(400);
    expect(errorBodySchema.parse(await batch.json()).error.details[0]?.path).toBe("articles[1].metadata");
    expect(await countArticles()).toBe(before);
    const fits = await call("/v1/articles", {
      token,
      json: article({ metadata: { blob: "m".repeat(MAX_ARTICLE_METADATA_BYTES - 100) } }),
    });
    expect(fits.status).toBe(201);
  });

  it("refuses metadata nested deeper than the cap, however deep, without crashing", async () => {
    const token = await makeToken("submitter");
    const before = await countArticles();
    for (const depth of [MAX_ARTICLE_METADATA_DEPTH + 1, 100_000]) {
      const text = JSON.stringify(article({ metadata: "@" })).replace('"@"', nested(depth));
      const response = await call("/v1/articles", {
        token,
        body: text,
        headers: { "content-type": "application/json" },
      });
      expect(response.status).toBe(400);
      expect(errorBodySchema.parse(await response.json()).error.details[0]?.path).toMatch(/^metadata\b/);
    }
    expect(await countArticles()).toBe(before);
    const deepest = JSON.stringify(article({ metadata: "@" })).replace(
      '"@"',
      nested(MAX_ARTICLE_METADATA_DEPTH),
    );
    const fits = await call("/v1/articles", {
      token,
      body: deepest,
      headers: { "content-type": "application/json" },
    });
    expect(fits.status).toBe(201);
  });

  it("refuses lone surrogates in strings and metadata, naming the field", async () => {
    const token = await makeToken("submitter");
    const before = await countArticles();
    const cases: [Record<string, unknown>, string][] = [
      [{ title: "broken \ud800 title" }, "title"],
      [{ body: "tail \udc00" }, "body"],
      [{ metadata: { tags: ["ok", "x\ud83d"] } }, "metadata.tags[1]"],
      [{ metadata: { "key\ud800": 1 } }, "metadata"],
    ];
    for (const [overrides, path] of cases) {
      const response = await call("/v1/articles", { token, json: article(overrides) });
      expect(response.status).toBe(400);
      expect(errorBodySchema.parse(await response.json()).error.details[0]?.path).toBe(path);
    }
    expect(await countArticles()).toBe(before);
    const emoji = await call("/v1/articles", { token, json: article({ title: "solar \ud83c\udf1e" }) });
    expect(emoji.status).toBe(201);
  });

  it("refuses a JSON body that is not UTF-8", async () => {
    const token = await makeToken("submitter");
    const bytes = new TextEncoder().encode(JSON.stringify(article({ title: "cafX" })));
    bytes[bytes.indexOf("X".charCodeAt(0))] = 0xe9;
    const response = await call("/v1/articles", {
      token,
      body: bytes,
      headers: { "content-type": "application/json" },
    });
    expect(response.status).toBe(400);
    expect(errorBodySchema.parse(await response.json()).error.code).toBe("request.invalid_utf8");
  });

  it("rejects an NDJSON line over a limit or not UTF-8 alone, storing the others", async () => {
    const token = await makeToken("submitter");
    const latin1 = new TextEncoder().encode(JSON.stringify(article({ title: "cafX" })));
    latin1[latin1.indexOf("X".charCodeAt(0))] = 0xe9;
    const result = await postNdjson(token, [
      JSON.stringify(article()),
      JSON.stringify(article({ metadata: bigMetadata })),
      latin1,
      JSON.stringify(article({ title: "lone \ud800" })),
      JSON.stringify(article({ metadata: "@" })).replace('"@"', nested(100_000)),
      JSON.stringify(article()),
    ]);
    expect(result).toMatchObject({ lines: 6, created: 2, rejected: 4 });
    expect(result.errors.map((e) => [e.line, e.path.split(/[.[]/)[0]])).toEqual([
      [2, "metadata"],
      [3, "(root)"],
      [4, "title"],
      [5, "metadata"],
    ]);
  });
});

describe("GET /v1/articles/{id}", () => {
  it("refuses a malformed id with 400 naming the param", async () => {
    const token = await makeToken("submitter");
    for (const id of ["art_x%0D%0Aset-cookie:%20a", "art_x%22", "nope"]) {
      const response = await call(`/v1/articles/${id}`, { token });
      expect(response.status).toBe(400);
      const error = errorBodySchema.parse(await response.json()).error;
      expect([error.code, error.details[0]?.path]).toEqual(["request.invalid", "id"]);
    }
    expect((await call("/v1/articles/art_0000000000000000000000000", { token })).status).toBe(404);
  });
});
