/**
 * @module
 * `DistilleryClient`: a small fetch-based client of the edge API for the bot, the CLI and scripts.
 * One method per endpoint, request and response types inferred from the shared schemas, responses
 * validated with them. A 4xx/5xx with the common error body throws `DistilleryError` carrying the
 * server's `code`, `status` and `details`; anything else non-2xx throws `http.<status>`. A
 * connection failure throws `edge.unreachable`.
 *
 * @example
 * const client = new DistilleryClient({ baseUrl: "http://127.0.0.1:8787", token });
 * const { id, created } = await client.submitArticle({ url, title, body, language: "en", source: "rss" });
 * const job = await client.createJob({ kind: "train", dataset_id });
 */
import { z } from "zod";
import { filterHealthResponseSchema } from "../drift/schema";
import { DistilleryError } from "../errors";
import { type datasetCreateRequestSchema, type spendQuerySchema, spendReportSchema } from "../oracle/api";
import {
  type articleBatchRequestSchema,
  articleBatchResultSchema,
  type articleListQuerySchema,
  articleSummarySchema,
  auditEntrySchema,
  type auditListQuerySchema,
  type catalogListQuerySchema,
  DISCORD_USER_HEADER,
  type exportLinkRequestSchema,
  exportLinkSchema,
  type filterDryRunRequestSchema,
  filterDryRunResultSchema,
  filterRecordSchema,
  filterSummarySchema,
  healthSchema,
  type jobListQuerySchema,
  type labelsExportQuerySchema,
  lineErrorSchema,
  ndjsonIngestResultSchema,
  type predictionsExportQuerySchema,
  tokenCreatedSchema,
  type tokenCreateRequestSchema,
  tokenInfoSchema,
  uploadPartSchema,
  uploadSchema,
  webhookSecretCreatedSchema,
  webhookSecretSchema,
} from "../schemas/api";
import { type ArticleInput, articleSchema, articleSubmitResultSchema } from "../schemas/article";
import { errorBodySchema, pageSchema } from "../schemas/common";
import { datasetSchema } from "../schemas/dataset";
import type { FilterSource } from "../schemas/filter";
import { type jobRequestSchema, jobSchema, studentModelSchema } from "../schemas/job";
import { nodeInfoSchema } from "../schemas/protocol";
import { evalReportSchema } from "../schemas/report";

export type DistilleryClientOptions = {
  /** The edge's origin, e.g. `http://127.0.0.1:8787`. */
  baseUrl: string;
  token?: string;
  /** The chat user the calls are made for (bot tokens; recorded in the audit log). */
  discordUser?: string;
  timeoutMs?: number;
  /** Defaults to the global `fetch`. */
  fetch?: typeof fetch;
};

type Query = Record<string, string | number | boolean | undefined>;
type RequestOptions = {
  query?: Query;
  json?: unknown;
  body?: BodyInit;
  contentType?: string;
  timeoutMs?: number;
};

/** A list page, as every list endpoint returns it. */
export type Page<T> = { items: T[]; next_cursor: string | null };

export class DistilleryClient {
  constructor(readonly options: DistilleryClientOptions) {}

  /** The same client acting for another chat user. */
  forUser(discordUser: string): DistilleryClient {
    return new DistilleryClient({ ...this.options, discordUser });
  }

  /** Headers every call sends (also what a `/v1/events` WebSocket needs). */
  headers(): Record<string, string> {
    const headers: Record<string, string> = {};
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    if (this.options.discordUser) headers[DISCORD_USER_HEADER] = this.options.discordUser;
    return headers;
  }

  url(path: string, query: Query = {}): URL {
    const url = new URL(path, this.options.baseUrl);
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url;
  }

  /** Sends a request; returns the response when 2xx, otherwise throws `DistilleryError`. */
  async raw(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const headers = this.headers();
    let body = options.body;
    if (options.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(options.json);
    } else if (options.contentType) {
      headers["content-type"] = options.contentType;
    }
    const init: RequestInit & { duplex?: "half" } = { method, headers, body };
    if (body instanceof ReadableStream) init.duplex = "half";
    const timeout = options.timeoutMs ?? this.options.timeoutMs ?? 60_000;
    if (timeout > 0) init.signal = AbortSignal.timeout(timeout);
    let response: Response;
    try {
      response = await (this.options.fetch ?? fetch)(this.url(path, options.query), init);
    } catch (error) {
      throw new DistilleryError("edge.unreachable", `cannot reach the edge at ${this.options.baseUrl}`, {
        status: 503,
        cause: error,
      });
    }
    if (response.ok) return response;
    const text = await response.text();
    let parsed: ReturnType<typeof errorBodySchema.safeParse> | undefined;
    try {
      parsed = errorBodySchema.safeParse(JSON.parse(text));
    } catch {
      parsed = undefined;
    }
    if (parsed?.success) {
      const { code, message, details } = parsed.data.error;
      throw new DistilleryError(code, message, { status: response.status, details });
    }
    throw new DistilleryError(
      `http.${response.status}`,
      `${method} ${path}: HTTP ${response.status} ${text.slice(0, 200)}`,
      {
        status: response.status,
      },
    );
  }

  private async call<S extends z.ZodType>(schema: S, method: string, path: string, options?: RequestOptions) {
    const response = await this.raw(method, path, options);
    return schema.parse(await response.json()) as z.output<S>;
  }

  health() {
    return this.call(healthSchema, "GET", "/v1/health");
  }
  /** A filter's drift audits (newest first), bands and next due time. */
  filterHealth(filter: string, limit = 10) {
    return this.call(filterHealthResponseSchema, "GET", `/v1/filters/${encodeURIComponent(filter)}/health`, {
      query: { limit: String(limit) },
    });
  }

  // Articles
  submitArticle(article: ArticleInput) {
    return this.call(articleSubmitResultSchema, "POST", "/v1/articles", { json: article });
  }
  submitArticles(articles: z.input<typeof articleBatchRequestSchema>["articles"]) {
    return this.call(articleBatchResultSchema, "POST", "/v1/articles/batch", { json: { articles } });
  }
  /** Streams NDJSON (a string, bytes or a byte stream) to the edge; valid lines are stored. */
  submitNdjson(body: string | Uint8Array | ReadableStream<Uint8Array>) {
    return this.call(ndjsonIngestResultSchema, "POST", "/v1/articles/ndjson", {
      body: body as BodyInit,
      contentType: "application/x-ndjson",
      timeoutMs: 0,
    });
  }
  getArticle(id: string) {
    return this.call(articleSchema, "GET", `/v1/articles/${encodeURIComponent(id)}`);
  }
  listArticles(query: Partial<z.output<typeof articleListQuerySchema>> = {}) {
    return this.call(pageSchema(articleSummarySchema), "GET", "/v1/articles", { query });
  }

  // Bulk import uploads
  createUpload(filename?: string) {
    return this.call(uploadSchema, "POST", "/v1/imports", { json: filename ? { filename } : {} });
  }
  getUpload(id: string) {
    return this.call(uploadSchema, "GET", `/v1/imports/${encodeURIComponent(id)}`);
  }
  uploadPart(id: string, partNumber: number, bytes: Uint8Array) {
    return this.call(uploadPartSchema, "PUT", `/v1/imports/${encodeURIComponent(id)}/parts/${partNumber}`, {
      body: bytes as BodyInit,
      contentType: "application/octet-stream",
    });
  }
  completeUpload(id: string) {
    return this.call(uploadSchema, "POST", `/v1/imports/${encodeURIComponent(id)}/complete`);
  }

  // Jobs
  createJob(spec: z.input<typeof jobRequestSchema>) {
    return this.call(jobSchema, "POST", "/v1/jobs", { json: spec });
  }
  getJob(id: string) {
    return this.call(jobSchema, "GET", `/v1/jobs/${encodeURIComponent(id)}`);
  }
  listJobs(query: Partial<z.output<typeof jobListQuerySchema>> = {}) {
    return this.call(pageSchema(jobSchema), "GET", "/v1/jobs", { query });
  }
  cancelJob(id: string) {
    return this.call(jobSchema, "POST", `/v1/jobs/${encodeURIComponent(id)}/cancel`);
  }
  setJobNotify(id: string, notify: { channel_id: string; message_id: string }) {
    return this.call(jobSchema, "PUT", `/v1/jobs/${encodeURIComponent(id)}/notify`, { json: notify });
  }
  jobErrors(id: string, query: { cursor?: string; limit?: number } = {}) {
    return this.call(pageSchema(lineErrorSchema), "GET", `/v1/jobs/${encodeURIComponent(id)}/errors`, {
      query,
    });
  }
  jobReport(id: string) {
    return this.call(evalReportSchema, "GET", `/v1/jobs/${encodeURIComponent(id)}/report`);
  }

  // Filters
  async listFilters() {
    const { items } = await this.call(
      pageSchema(filterSummarySchema).pick({ items: true }),
      "GET",
      "/v1/filters",
    );
    return items;
  }
  getFilter(name: string, version?: number) {
    const path = version
      ? `/v1/filters/${encodeURIComponent(name)}/versions/${version}`
      : `/v1/filters/${encodeURIComponent(name)}`;
    return this.call(filterRecordSchema, "GET", path);
  }
  createFilterVersion(source: FilterSource) {
    return this.call(filterRecordSchema, "POST", "/v1/filters", { json: source });
  }
  dryRunFilter(name: string, request: z.input<typeof filterDryRunRequestSchema>) {
    return this.call(filterDryRunResultSchema, "POST", `/v1/filters/${encodeURIComponent(name)}/dry-run`, {
      json: request,
    });
  }

  // Datasets, models, GPU nodes, oracle spend
  createDataset(request: z.input<typeof datasetCreateRequestSchema>) {
    return this.call(datasetSchema, "POST", "/v1/datasets", { json: request });
  }
  getDataset(id: string) {
    return this.call(datasetSchema, "GET", `/v1/datasets/${encodeURIComponent(id)}`);
  }
  listDatasets(query: Partial<z.output<typeof catalogListQuerySchema>> = {}) {
    return this.call(pageSchema(datasetSchema), "GET", "/v1/datasets", { query });
  }
  listModels(query: Partial<z.output<typeof catalogListQuerySchema>> = {}) {
    return this.call(pageSchema(studentModelSchema), "GET", "/v1/models", { query });
  }
  getModel(id: string) {
    return this.call(studentModelSchema, "GET", `/v1/models/${encodeURIComponent(id)}`);
  }
  listNodes() {
    return this.call(z.object({ items: z.array(nodeInfoSchema) }), "GET", "/v1/nodes");
  }
  oracleSpend(query: z.input<typeof spendQuerySchema> = {}) {
    return this.call(spendReportSchema, "GET", "/v1/oracle/spend", { query });
  }

  // Exports (streams: read `response.body`)
  exportLabels(query: Partial<z.output<typeof labelsExportQuerySchema>> & { filter: string }) {
    return this.raw("GET", "/v1/exports/labels", { query, timeoutMs: 0 });
  }
  exportPredictions(query: Partial<z.output<typeof predictionsExportQuerySchema>>) {
    return this.raw("GET", "/v1/exports/predictions", { query, timeoutMs: 0 });
  }

  /** A signed, expiring URL that downloads an export without a token. */
  createExportLink(request: z.input<typeof exportLinkRequestSchema>) {
    return this.call(exportLinkSchema, "POST", "/v1/exports/links", { json: request });
  }

  // Tokens, webhook secrets, audit (admin)
  createToken(request: z.input<typeof tokenCreateRequestSchema>) {
    return this.call(tokenCreatedSchema, "POST", "/v1/tokens", { json: request });
  }
  listTokens(query: { cursor?: string; limit?: number } = {}) {
    return this.call(pageSchema(tokenInfoSchema), "GET", "/v1/tokens", { query });
  }
  revokeToken(id: string) {
    return this.call(tokenInfoSchema, "POST", `/v1/tokens/${encodeURIComponent(id)}/revoke`);
  }
  createWebhookSecret(source: string) {
    return this.call(webhookSecretCreatedSchema, "POST", "/v1/webhooks/secrets", { json: { source } });
  }
  listWebhookSecrets() {
    return this.call(pageSchema(webhookSecretSchema), "GET", "/v1/webhooks/secrets");
  }
  revokeWebhookSecret(id: string) {
    return this.call(webhookSecretSchema, "POST", `/v1/webhooks/secrets/${encodeURIComponent(id)}/revoke`);
  }
  listAudit(query: Partial<z.output<typeof auditListQuerySchema>> = {}) {
    return this.call(pageSchema(auditEntrySchema), "GET", "/v1/audit", { query });
  }

  /**
   * Where to open the event stream: a `ws(s)://` URL for `/v1/events` (optionally for some jobs) and
   * the headers to send with the upgrade (e.g. `new WebSocket(url, { headers })` with the `ws` package).
   */
  eventsEndpoint(jobIds: string[] = []): { url: string; headers: Record<string, string> } {
    const url = this.url("/v1/events");
    for (const id of jobIds) url.searchParams.append("job_id", id);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    return { url: url.toString(), headers: this.headers() };
  }
}

export { generateApiToken, hashApiToken } from "./tokens";
export { type WaitForJobOptions, waitForJob } from "./wait";
