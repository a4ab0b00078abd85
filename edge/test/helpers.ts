/**
 * @module
 * Test helpers: make a token of a role directly in D1 and call the worker with it.
 */
import { env, SELF } from "cloudflare:test";
import { type FilterPackage, promptHash, type TokenRole } from "@distillery/shared";
import { generateToken, hashToken } from "../src/auth/tokens";
import { database, newId } from "../src/db/client";
import { apiTokens, articles, filters } from "../src/db/schema";

/** Inserts a token with `role` and returns its secret. */
export async function makeToken(role: TokenRole, name = `test-${role}`): Promise<string> {
  const token = generateToken();
  await database(env.DB)
    .insert(apiTokens)
    .values({ id: newId("tok"), name, role, token_hash: await hashToken(token), created_by: "test" });
  return token;
}

/** Calls the worker at `path` with a bearer token and optional JSON body. */
export function call(
  path: string,
  options: {
    token?: string;
    method?: string;
    json?: unknown;
    body?: BodyInit;
    headers?: Record<string, string>;
  } = {},
): Promise<Response> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body = options.body;
  if (options.json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(options.json);
  }
  return SELF.fetch(`http://edge.test${path}`, {
    method: options.method ?? (body === undefined ? "GET" : "POST"),
    headers,
    body,
  });
}

/** Inserts a dataset row (what a train job needs to exist) and returns its id. */
export async function makeDataset(): Promise<string> {
  const id = newId("ds");
  await env.DB.prepare(
    "INSERT INTO datasets (id, filter, filter_version, seed, report, content_hash) VALUES (?, 'example', 1, 42, '{}', 'h')",
  )
    .bind(id)
    .run();
  return id;
}

/** Stores a filter package version directly (as `POST /v1/filters` would), once. */
export async function storeFilter(filter: FilterPackage): Promise<void> {
  await database(env.DB)
    .insert(filters)
    .values({
      name: filter.name,
      version: filter.version,
      package: filter,
      prompt_hash: await promptHash(filter),
      description: filter.description,
      created_by: "test",
    })
    .onConflictDoNothing()
    .run();
}

/** Stores an English article from `example` with a unique URL; returns its id. */
export async function storeArticle(title: string, body: string): Promise<string> {
  const id = newId("art");
  await database(env.DB)
    .insert(articles)
    .values({
      id,
      url: `https://example.org/${id}`,
      normalized_url: `example.org/${id}`,
      content_hash: id,
      title,
      body,
      body_chars: body.length,
      language: "en",
      source: "example",
    })
    .run();
  return id;
}
