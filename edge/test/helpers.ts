/**
 * @module
 * Test helpers: make a token of a role directly in D1 and call the worker with it; store filters and
 * articles; create oracle jobs and wait for them.
 */
import { env, SELF } from "cloudflare:test";
import { type FilterPackage, type Job, jobSchema, promptHash, type TokenRole } from "@distillery/shared";
import { expect } from "vitest";
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

/** Stores an English article from `example` with a unique URL (its id, or `slug`); returns its id. */
export async function storeArticle(title: string, body: string, slug?: string): Promise<string> {
  const id = newId("art");
  const path = slug ?? id;
  await database(env.DB)
    .insert(articles)
    .values({
      id,
      url: `https://example.org/${path}`,
      normalized_url: `example.org/${path}`,
      content_hash: path,
      title,
      body,
      body_chars: body.length,
      language: "en",
      source: "example",
    })
    .run();
  return id;
}

/**
 * Stores `count` articles, each with a body of its own (the stand-ins count calls per article text);
 * `paragraphs` long bodies make the article, not the cached prompt, most of a call's cost. A `salt`
 * makes the bodies the same on every run (so are the stand-in's scores); it must be unique to the
 * test, as the stand-ins outlive it.
 */
export async function seedArticles(count: number, paragraphs = 1, salt?: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    ids.push(
      await storeArticle(
        `Wind farm ${i}`,
        `Wind farm ${salt ? `${salt}-${i}` : newId("w")} delivers ${i + 10} MW to the grid; the operator reports steady output and lower prices. `.repeat(
          paragraphs,
        ),
        salt && `${salt}-${i}`,
      ),
    );
  }
  return ids;
}

/** Creates an oracle job on `filterName` through the API (expecting 201). */
export async function createOracleJob(
  token: string,
  filterName: string,
  spec: Record<string, unknown>,
): Promise<Job> {
  const response = await call("/v1/jobs", { token, json: { kind: "oracle", filter: filterName, ...spec } });
  expect(response.status).toBe(201);
  return jobSchema.parse(await response.json());
}

/** Waits (bounded) until the job reaches one of `states`. */
export async function untilJob(token: string, id: string, states: string[]): Promise<Job> {
  for (let i = 0; i < 150; i++) {
    const job = jobSchema.parse(await (await call(`/v1/jobs/${id}`, { token })).json());
    if (states.includes(job.state)) return job;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`job ${id} never reached ${states.join("/")}`);
}

/** The call counters of a stand-in (Gemini or OpenAI-compatible) the test project's global setup started. */
/** Waits (bounded) until every article of the job is in a submitted batch. */
export async function untilSubmitted(jobId: string, count: number) {
  for (let i = 0; i < 200; i++) {
    const row = await env.DB.prepare(
      "SELECT count(*) AS n FROM oracle_items WHERE job_id = ?1 AND batch_name IS NOT NULL",
    )
      .bind(jobId)
      .first<{ n: number }>();
    if (row?.n === count) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`job ${jobId} never submitted its ${count} articles`);
}

export async function standinStats(standinUrl: string) {
  return (await (await fetch(`${standinUrl}/__standin/stats`)).json()) as {
    double_calls: number;
    calls: number;
  };
}
