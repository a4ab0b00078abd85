/**
 * @module
 * Storing articles in bulk, idempotently. Inputs (already validated) are keyed by normalized URL +
 * content hash; each chunk is one `INSERT ... SELECT ... FROM json_each(?) ON CONFLICT DO NOTHING`
 * (D1 allows only 100 bound parameters, and this is the fastest bulk path), and all chunks plus the
 * id lookup run in one `DB.batch`, which D1 executes as a transaction: a call stores all of its
 * articles or none. Bodies longer than `INLINE_BODY_CHARS` go to R2 first (an article row never
 * points at a missing body; a lost race leaves at most an unreferenced object).
 */
import type { ArticleInput, ArticleSubmitResult } from "@distillery/shared";
import { newId } from "../db/client";
import type { Env } from "../env";
import { contentHash, normalizeUrl } from "./normalize";

/** Bodies longer than this are stored in R2 rather than in the D1 row. */
export const INLINE_BODY_CHARS = 16_000;
/** Bytes of JSON per insert statement (D1 caps a bound string at 2 MB). */
const STATEMENT_JSON_BYTES = 900_000;

type PreparedArticle = {
  id: string;
  key: string;
  row: {
    id: string;
    external_id: string | null;
    url: string;
    normalized_url: string;
    content_hash: string;
    title: string;
    body: string | null;
    body_key: string | null;
    body_chars: number;
    language: string;
    source: string;
    published_at: string | null;
    metadata: string;
    import_job_id: string | null;
    created_at: string;
  };
  body: string;
};

const INSERT_SQL = `INSERT INTO articles
  (id, external_id, url, normalized_url, content_hash, title, body, body_key, body_chars, language, source,
   published_at, metadata, import_job_id, created_at)
SELECT json_extract(value, '$.id'), json_extract(value, '$.external_id'), json_extract(value, '$.url'),
  json_extract(value, '$.normalized_url'), json_extract(value, '$.content_hash'), json_extract(value, '$.title'),
  json_extract(value, '$.body'), json_extract(value, '$.body_key'), json_extract(value, '$.body_chars'),
  json_extract(value, '$.language'), json_extract(value, '$.source'), json_extract(value, '$.published_at'),
  json_extract(value, '$.metadata'), json_extract(value, '$.import_job_id'), json_extract(value, '$.created_at')
FROM json_each(?) WHERE true
ON CONFLICT (normalized_url, content_hash) DO NOTHING`;

const LOOKUP_SQL = `SELECT a.id AS id, a.normalized_url || ' ' || a.content_hash AS key
FROM json_each(?) AS k JOIN articles AS a
  ON a.normalized_url = json_extract(k.value, '$[0]') AND a.content_hash = json_extract(k.value, '$[1]')`;

/** R2 key of an article body stored outside D1. */
export function bodyKey(articleId: string): string {
  return `articles/${articleId}/body.txt`;
}

async function prepare(input: ArticleInput, createdAt: string, importJobId: string | null) {
  const normalized = normalizeUrl(input.url);
  const hash = await contentHash(input.title, input.body);
  const id = newId("art");
  const external = input.body.length > INLINE_BODY_CHARS;
  const article: PreparedArticle = {
    id,
    key: `${normalized} ${hash}`,
    body: input.body,
    row: {
      id,
      external_id: input.external_id ?? null,
      url: input.url,
      normalized_url: normalized,
      content_hash: hash,
      title: input.title,
      body: external ? null : input.body,
      body_key: external ? bodyKey(id) : null,
      body_chars: input.body.length,
      language: input.language,
      source: input.source,
      published_at: input.published_at ?? null,
      metadata: JSON.stringify(input.metadata ?? {}),
      import_job_id: importJobId,
      created_at: createdAt,
    },
  };
  return article;
}

/** Splits rows into JSON arrays of at most `STATEMENT_JSON_BYTES` UTF-8 bytes each. */
function chunkJson(rows: PreparedArticle["row"][]): string[] {
  const encoder = new TextEncoder();
  const chunks: string[] = [];
  let current: string[] = [];
  let bytes = 2;
  for (const row of rows) {
    const text = JSON.stringify(row);
    // Counted in bytes, not characters: a non-Latin body is up to 3 bytes per character.
    const size = encoder.encode(text).length;
    if (current.length > 0 && bytes + size > STATEMENT_JSON_BYTES) {
      chunks.push(`[${current.join(",")}]`);
      current = [];
      bytes = 2;
    }
    current.push(text);
    bytes += size + 1;
  }
  if (current.length > 0) chunks.push(`[${current.join(",")}]`);
  return chunks;
}

async function lookupIds(env: Env, keys: [string, string][]): Promise<Map<string, string>> {
  const found = await env.DB.prepare(LOOKUP_SQL)
    .bind(JSON.stringify(keys))
    .all<{ id: string; key: string }>();
  return new Map(found.results.map((r) => [r.key, r.id]));
}

/**
 * Stores validated articles; returns, in input order, each one's id and whether it was new. An input
 * repeating an earlier one (same key) gets the same id with `created: false`.
 */
export async function storeArticles(
  env: Env,
  inputs: ArticleInput[],
  options: { importJobId?: string } = {},
): Promise<ArticleSubmitResult[]> {
  if (inputs.length === 0) return [];
  const createdAt = new Date().toISOString();
  const prepared = await Promise.all(inputs.map((a) => prepare(a, createdAt, options.importJobId ?? null)));
  const firstByKey = new Map<string, PreparedArticle>();
  for (const article of prepared) if (!firstByKey.has(article.key)) firstByKey.set(article.key, article);
  const unique = [...firstByKey.values()];
  const keys = unique.map((a): [string, string] => [a.row.normalized_url, a.row.content_hash]);

  const external = unique.filter((a) => a.row.body_key);
  if (external.length > 0) {
    const existing = await lookupIds(
      env,
      external.map((a) => [a.row.normalized_url, a.row.content_hash]),
    );
    await Promise.all(
      external
        .filter((a) => !existing.has(a.key))
        .map((a) =>
          env.BUCKET.put(a.row.body_key as string, a.body, { httpMetadata: { contentType: "text/plain" } }),
        ),
    );
  }

  const statements = chunkJson(unique.map((a) => a.row)).map((json) => env.DB.prepare(INSERT_SQL).bind(json));
  statements.push(env.DB.prepare(LOOKUP_SQL).bind(JSON.stringify(keys)));
  const results = await env.DB.batch<{ id: string; key: string }>(statements);
  const lookup = results.at(-1)?.results ?? [];
  const idByKey = new Map(lookup.map((r) => [r.key, r.id]));

  const claimed = new Set<string>();
  return prepared.map((article) => {
    const id = idByKey.get(article.key);
    if (!id) throw new Error(`article ${article.row.url} was neither stored nor found`);
    const created = id === article.id && !claimed.has(article.key);
    if (created) claimed.add(article.key);
    return { id, created };
  });
}
