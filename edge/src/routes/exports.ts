/**
 * @module
 * `/v1/exports`: oracle labels (each line self-contained: the article text with its label, the
 * `labelRecordSchema` shape, so it can be trained on without a server) and student predictions, as
 * NDJSON or CSV streams. CSV has one column per dimension of the filter (and, for predictions, one per
 * categorical field, holding the student's own answer); text cells that would run as spreadsheet formulas
 * are neutralised (`exports/stream.ts`). Both accept a bearer token
 * or a signed, expiring link from `POST /v1/exports/links` (`exports/signing.ts`).
 */

import {
  DistilleryError,
  type FilterPackage,
  labelsExportQuerySchema,
  predictionsExportQuerySchema,
} from "@distillery/shared";
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import type { Env } from "../env";
import { exportAccess } from "../exports/signing";
import { contentType, exportStream } from "../exports/stream";
import { getFilterRecord } from "../filters/store";
import { attachmentDisposition } from "./attachment";
import { bearerSecurity, createRouter, errorResponses } from "./openapi";

export const exportsRouter = createRouter();
const readers = exportAccess("bot", "submitter");

type LabelRow = {
  rowid: number;
  article_id: string;
  filter: string;
  filter_version: number;
  prompt_hash: string;
  provider: string;
  model: string;
  mode: string;
  selection: string;
  scores: string;
  categories: string;
  overall: number | null;
  tier: string | null;
  tokens_input: number;
  tokens_cached: number;
  tokens_output: number;
  tokens_thinking: number;
  cost_usd: number;
  latency_ms: number;
  attempts: number;
  created_at: string;
  url: string;
  title: string;
  body: string | null;
  body_key: string | null;
  language: string;
  source: string;
  published_at: string | null;
};

async function articleBody(env: Env, row: { body: string | null; body_key: string | null }): Promise<string> {
  if (!row.body_key) return row.body ?? "";
  const object = await env.BUCKET.get(row.body_key);
  if (!object) throw new Error(`body object ${row.body_key} is missing from R2`);
  return object.text();
}

function streamResponse(body: ReadableStream<Uint8Array>, format: "ndjson" | "csv", name: string): Response {
  return new Response(body, {
    status: 200,
    headers: {
      "content-type": contentType(format),
      "content-disposition": attachmentDisposition(`${name}.${format === "ndjson" ? "ndjson" : "csv"}`),
    },
  });
}

const streamContent = {
  "application/x-ndjson": { schema: z.string() },
  "text/csv": { schema: z.string() },
};

exportsRouter.openapi(
  createRoute({
    method: "get",
    path: "/exports/labels",
    tags: ["exports"],
    summary: "Oracle labels of a filter (one version, or all) as NDJSON (article + label per line) or CSV",
    security: bearerSecurity,
    middleware: [readers] as const,
    request: { query: labelsExportQuerySchema },
    responses: { 200: { description: "The labels, streamed", content: streamContent }, ...errorResponses },
  }),
  async (c) => {
    const { filter, version, format } = c.req.valid("query");
    const record = await getFilterRecord(c.env, filter, version);
    const dimensions = (record.package as FilterPackage).dimensions.map((d) => d.key);
    const readPage = async (after: number, limit: number) => {
      const sql = `SELECT l.rowid AS rowid, l.*, a.url, a.title, a.body, a.body_key, a.language, a.source, a.published_at
        FROM oracle_labels l JOIN articles a ON a.id = l.article_id
        WHERE l.filter = ?1 AND (?2 IS NULL OR l.filter_version = ?2) AND l.rowid > ?3
        ORDER BY l.rowid LIMIT ?4`;
      const result = await c.env.DB.prepare(sql)
        .bind(filter, version ?? null, after, limit)
        .all<LabelRow>();
      return result.results;
    };
    const body = exportStream(
      readPage,
      format,
      async (row) => ({
        article: {
          id: row.article_id,
          url: row.url,
          title: row.title,
          // CSV leaves bodies out (one line per label); NDJSON carries the whole text.
          body: format === "ndjson" ? await articleBody(c.env, row) : "",
          language: row.language,
          source: row.source,
          published_at: row.published_at,
        },
        label: {
          article_id: row.article_id,
          filter: row.filter,
          filter_version: row.filter_version,
          prompt_hash: row.prompt_hash,
          provider: row.provider,
          model: row.model,
          mode: row.mode,
          selection: row.selection,
          scores: JSON.parse(row.scores),
          categories: JSON.parse(row.categories),
          tokens: {
            input: row.tokens_input,
            cached: row.tokens_cached,
            output: row.tokens_output,
            thinking: row.tokens_thinking,
          },
          cost_usd: row.cost_usd,
          latency_ms: row.latency_ms,
          attempts: row.attempts,
          created_at: row.created_at,
        },
        overall: row.overall,
        tier: row.tier,
      }),
      [
        { name: "article_id", value: (r) => (r.label as { article_id: string }).article_id },
        { name: "url", value: (r) => (r.article as { url: string }).url },
        { name: "title", value: (r) => (r.article as { title: string }).title },
        { name: "language", value: (r) => (r.article as { language: string }).language },
        { name: "source", value: (r) => (r.article as { source: string }).source },
        { name: "filter_version", value: (r) => (r.label as { filter_version: number }).filter_version },
        { name: "model", value: (r) => (r.label as { model: string }).model },
        { name: "overall", value: (r) => r.overall },
        { name: "tier", value: (r) => r.tier },
        ...dimensions.map((key) => ({
          name: key,
          value: (r: Record<string, unknown>) =>
            (r.label as { scores: Record<string, { score: number }> }).scores[key]?.score,
        })),
        { name: "cost_usd", value: (r) => (r.label as { cost_usd: number }).cost_usd },
      ],
    );
    return streamResponse(body, format, `labels-${filter}${version ? `-v${version}` : ""}`);
  },
);

type PredictionRow = {
  rowid: number;
  job_id: string;
  article_id: string;
  model_id: string;
  filter: string;
  filter_version: number;
  scores: string;
  reasons: string | null;
  /** The student's own categorical answers (the oracle's, on a row the cascade replaced). */
  categories: string | null;
  uncalibrated_scores: string | null;
  overall: number | null;
  tier: string | null;
  parse_status: string | null;
  interval_low: number | null;
  interval_high: number | null;
  overall_scale: number | null;
  /** Null on rows stored before the column existed: those are the student's. */
  source: "student" | "oracle" | null;
  created_at: string;
};

exportsRouter.openapi(
  createRoute({
    method: "get",
    path: "/exports/predictions",
    tags: ["exports"],
    summary: "Student predictions of a scoring job or a model as NDJSON or CSV",
    security: bearerSecurity,
    middleware: [readers] as const,
    request: { query: predictionsExportQuerySchema },
    responses: {
      200: { description: "The predictions, streamed", content: streamContent },
      ...errorResponses,
    },
  }),
  async (c) => {
    const { job_id, model_id, format } = c.req.valid("query");
    const column = job_id ? "job_id" : "model_id";
    const key = job_id ?? model_id;
    const first = await c.env.DB.prepare(
      `SELECT filter, filter_version FROM predictions WHERE ${column} = ? LIMIT 1`,
    )
      .bind(key)
      .first<{ filter: string; filter_version: number }>();
    if (!first) {
      throw new DistilleryError("predictions.not_found", `no predictions for ${column} '${key}'`, {
        status: 404,
      });
    }
    const record = await getFilterRecord(c.env, first.filter, first.filter_version);
    const dimensions = record.package.dimensions.map((d) => d.key);
    const categories = record.package.categories.map((category) => category.key);
    const readPage = async (after: number, limit: number) =>
      (
        await c.env.DB.prepare(
          `SELECT rowid AS rowid, * FROM predictions WHERE ${column} = ?1 AND rowid > ?2 ORDER BY rowid LIMIT ?3`,
        )
          .bind(key, after, limit)
          .all<PredictionRow>()
      ).results;
    const body = exportStream(
      readPage,
      format,
      (row) => ({
        article_id: row.article_id,
        job_id: row.job_id,
        model_id: row.model_id,
        filter: row.filter,
        filter_version: row.filter_version,
        scores: JSON.parse(row.scores),
        ...(row.reasons ? { reasons: JSON.parse(row.reasons) } : {}),
        categories: row.categories ? JSON.parse(row.categories) : null,
        overall: row.overall,
        tier: row.tier,
        parse_status: row.parse_status,
        overall_interval: row.interval_low === null ? null : [row.interval_low, row.interval_high],
        overall_scale: row.overall_scale,
        source: row.source ?? "student",
      }),
      [
        { name: "article_id", value: (r) => r.article_id },
        { name: "model_id", value: (r) => r.model_id },
        { name: "overall", value: (r) => r.overall },
        { name: "tier", value: (r) => r.tier },
        ...dimensions.map((k) => ({
          name: k,
          value: (r: Record<string, unknown>) => (r.scores as Record<string, number>)[k],
        })),
        ...categories.map((k) => ({
          name: k,
          value: (r: Record<string, unknown>) => (r.categories as Record<string, string> | null)?.[k] ?? null,
        })),
      ],
    );
    return streamResponse(body, format, `predictions-${key}`);
  },
);
