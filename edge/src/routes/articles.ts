/**
 * @module
 * `/v1/articles`: submit one, a batch (up to 1,000, all-or-nothing), or an NDJSON stream (streamed,
 * per-line results); read one; list with filters. Submissions are idempotent on normalized URL +
 * content hash: a resubmission returns the stored id with `created: false`.
 */

import {
  articleBatchRequestSchema,
  articleBatchResultSchema,
  articleIdSchema,
  articleInputSchema,
  articleListQuerySchema,
  articleSchema,
  articleSubmitResultSchema,
  articleSummarySchema,
  DistilleryError,
  ndjsonIngestResultSchema,
  pageSchema,
} from "@distillery/shared";
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { ingestLines, readLines } from "../articles/ndjson";
import { getArticle, listArticles } from "../articles/read";
import { storeArticles } from "../articles/store";
import { requireRole } from "../auth/middleware";
import { limitBody } from "./limits";
import { bearerSecurity, createRouter, errorResponses, jsonBody, jsonResponse } from "./openapi";
import { utf8Body } from "./utf8";

export const articlesRouter = createRouter();

const submitters = requireRole("submitter");
const readers = requireRole("submitter", "bot", "node");
/** Largest NDJSON stream accepted in one request; bigger corpora go through import jobs. */
const MAX_NDJSON_BYTES = 100 * 1024 * 1024;
/** How many line errors an NDJSON response lists before it only counts them. */
const MAX_REPORTED_ERRORS = 1_000;

articlesRouter.openapi(
  createRoute({
    method: "post",
    path: "/articles",
    tags: ["articles"],
    summary: "Submit one article (201 when new, 200 with the existing id when already stored)",
    security: bearerSecurity,
    middleware: [submitters, limitBody(), utf8Body()] as const,
    request: { body: jsonBody(articleInputSchema) },
    responses: {
      200: jsonResponse(articleSubmitResultSchema, "Already stored: the existing id"),
      201: jsonResponse(articleSubmitResultSchema, "Stored"),
      ...errorResponses,
    },
  }),
  async (c) => {
    const [result] = await storeArticles(c.env, [c.req.valid("json")]);
    if (!result) throw new Error("storeArticles returned no result for one article");
    return c.json(result, result.created ? 201 : 200);
  },
);

articlesRouter.openapi(
  createRoute({
    method: "post",
    path: "/articles/batch",
    tags: ["articles"],
    summary: "Submit up to 1,000 articles; any invalid article rejects the whole batch (nothing stored)",
    security: bearerSecurity,
    middleware: [submitters, limitBody(), utf8Body()] as const,
    request: { body: jsonBody(articleBatchRequestSchema) },
    responses: {
      200: jsonResponse(articleBatchResultSchema, "Per-article results, in order"),
      ...errorResponses,
    },
  }),
  async (c) => {
    const results = await storeArticles(c.env, c.req.valid("json").articles);
    const created = results.filter((r) => r.created).length;
    return c.json(
      { results: results.map((r, index) => ({ index, ...r })), created, existing: results.length - created },
      200,
    );
  },
);

articlesRouter.openapi(
  createRoute({
    method: "post",
    path: "/articles/ndjson",
    tags: ["articles"],
    summary:
      "Stream articles as NDJSON (one JSON article per line); valid lines are stored, invalid ones reported",
    security: bearerSecurity,
    middleware: [submitters, limitBody(MAX_NDJSON_BYTES)] as const,
    request: {
      body: {
        required: true,
        description: "One article (ArticleInput) per line",
        // Any content type is read as NDJSON; text/plain is listed so generic HTTP tools can send it.
        content: { "application/x-ndjson": { schema: z.string() }, "text/plain": { schema: z.string() } },
      },
    },
    responses: { 200: jsonResponse(ndjsonIngestResultSchema, "Counts and line errors"), ...errorResponses },
  }),
  async (c) => {
    const body = c.req.raw.body;
    if (!body) {
      throw new DistilleryError("request.empty", "send NDJSON in the request body", { status: 400 });
    }
    const errors: z.infer<typeof ndjsonIngestResultSchema>["errors"] = [];
    let truncated = false;
    const totals = await ingestLines(c.env, readLines(body), {
      onErrors: async (lineErrors) => {
        for (const error of lineErrors) {
          if (errors.length < MAX_REPORTED_ERRORS) errors.push(error);
          else truncated = true;
        }
      },
    });
    return c.json({ ...totals, errors, errors_truncated: truncated }, 200);
  },
);

articlesRouter.openapi(
  createRoute({
    method: "get",
    path: "/articles/{id}",
    tags: ["articles"],
    summary: "One article with its body",
    security: bearerSecurity,
    middleware: [readers] as const,
    request: { params: z.object({ id: articleIdSchema }) },
    responses: { 200: jsonResponse(articleSchema, "The article"), ...errorResponses },
  }),
  async (c) => c.json(await getArticle(c.env, c.req.valid("param").id), 200),
);

articlesRouter.openapi(
  createRoute({
    method: "get",
    path: "/articles",
    tags: ["articles"],
    summary: "List articles (without bodies), newest first, by source, language, date and FILTER:TIER",
    security: bearerSecurity,
    middleware: [readers] as const,
    request: { query: articleListQuerySchema },
    responses: {
      200: jsonResponse(pageSchema(articleSummarySchema), "A page of articles"),
      ...errorResponses,
    },
  }),
  async (c) => c.json(await listArticles(c.env, c.req.valid("query")), 200),
);
