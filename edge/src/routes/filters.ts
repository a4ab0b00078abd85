/**
 * @module
 * `/v1/filters`: list filters, read a version (latest by default), publish a new version from its two
 * files (validated by the shared filter engine), and dry-run a filter on an article: the prefilter
 * decision and the exact oracle prompt, without spending anything.
 */

import {
  filterDryRunRequestSchema,
  filterDryRunResultSchema,
  filterRecordSchema,
  filterSourceSchema,
  filterSummarySchema,
  renderOraclePrompt,
  runPrefilter,
  slugSchema,
} from "@distillery/shared";
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { getArticle } from "../articles/read";
import { recordAudit } from "../audit";
import { requireRole } from "../auth/middleware";
import { database } from "../db/client";
import { createFilterVersion, getFilterRecord, listFilterSummaries } from "../filters/store";
import { limitBody } from "./limits";
import { bearerSecurity, createRouter, errorResponses, jsonBody, jsonResponse } from "./openapi";
import { utf8Body } from "./utf8";

export const filtersRouter = createRouter();
const readers = requireRole("bot", "submitter", "node");
const nameParams = z.object({ name: slugSchema });

filtersRouter.openapi(
  createRoute({
    method: "get",
    path: "/filters",
    tags: ["filters"],
    summary: "Every filter with its versions",
    security: bearerSecurity,
    middleware: [readers] as const,
    responses: {
      200: jsonResponse(z.object({ items: z.array(filterSummarySchema) }), "The filters"),
      ...errorResponses,
    },
  }),
  async (c) => c.json({ items: await listFilterSummaries(c.env) }, 200),
);

filtersRouter.openapi(
  createRoute({
    method: "post",
    path: "/filters",
    tags: ["filters"],
    summary: "Publish a new filter version from filter.yaml + prompt.md (version must be latest + 1)",
    security: bearerSecurity,
    middleware: [requireRole(), limitBody(), utf8Body()] as const,
    request: { body: jsonBody(filterSourceSchema) },
    responses: { 201: jsonResponse(filterRecordSchema, "The stored version"), ...errorResponses },
  }),
  async (c) => {
    const auth = c.get("auth");
    const record = await createFilterVersion(c.env, c.req.valid("json"), auth);
    await recordAudit(database(c.env.DB), auth, {
      action: "filter.create_version",
      targetType: "filter",
      targetId: `${record.name}@${record.version}`,
    });
    return c.json(record, 201);
  },
);

filtersRouter.openapi(
  createRoute({
    method: "get",
    path: "/filters/{name}",
    tags: ["filters"],
    summary: "The latest version of a filter",
    security: bearerSecurity,
    middleware: [readers] as const,
    request: { params: nameParams },
    responses: { 200: jsonResponse(filterRecordSchema, "The filter version"), ...errorResponses },
  }),
  async (c) => c.json(await getFilterRecord(c.env, c.req.valid("param").name), 200),
);

filtersRouter.openapi(
  createRoute({
    method: "get",
    path: "/filters/{name}/versions/{version}",
    tags: ["filters"],
    summary: "One version of a filter",
    security: bearerSecurity,
    middleware: [readers] as const,
    request: { params: nameParams.extend({ version: z.coerce.number().int().min(1).max(1_000_000) }) },
    responses: { 200: jsonResponse(filterRecordSchema, "The filter version"), ...errorResponses },
  }),
  async (c) => {
    const { name, version } = c.req.valid("param");
    return c.json(await getFilterRecord(c.env, name, version), 200);
  },
);

filtersRouter.openapi(
  createRoute({
    method: "post",
    path: "/filters/{name}/dry-run",
    tags: ["filters"],
    summary:
      "Prefilter decision and rendered oracle prompt for one article (stored or inline); spends nothing",
    security: bearerSecurity,
    middleware: [requireRole("bot", "submitter"), limitBody(), utf8Body()] as const,
    request: { params: nameParams, body: jsonBody(filterDryRunRequestSchema) },
    responses: { 200: jsonResponse(filterDryRunResultSchema, "What the filter would do"), ...errorResponses },
  }),
  async (c) => {
    const { name } = c.req.valid("param");
    const request = c.req.valid("json");
    const record = await getFilterRecord(c.env, name, request.version);
    const text = request.article_id ? await getArticle(c.env, request.article_id) : request.article;
    if (!text) throw new Error("dry-run request has neither article_id nor article after validation");
    const article = {
      title: text.title,
      body: text.body,
      language: text.language,
      source: text.source,
      url: text.url,
    };
    const prompt = renderOraclePrompt(record.package, article);
    return c.json(
      {
        filter: record.name,
        version: record.version,
        prefilter: runPrefilter(record.package, article),
        prompt: { prefix: prompt.prefix, article: prompt.article, text: prompt.text },
        prompt_hash: record.prompt_hash,
      },
      200,
    );
  },
);
