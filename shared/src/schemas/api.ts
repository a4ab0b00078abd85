/**
 * @module
 * Request and response shapes of the HTTP API that are not domain objects themselves: batch results,
 * list queries, token and webhook-secret management, bulk-import uploads, filter records and dry
 * runs. The edge validates with these and generates `/v1/openapi.json` from them; the typed client
 * (`DistilleryClient`) is typed from them. Query parameters arrive as strings, hence `z.coerce`.
 */
import { z } from "zod";
import { articleInputSchema, articleSchema, articleSubmitResultSchema } from "./article";
import {
  articleIdSchema,
  idSchema,
  jobIdSchema,
  languageSchema,
  modelIdSchema,
  slugSchema,
  timestampSchema,
} from "./common";
import { filterPackageSchema } from "./filter";
import { jobKindSchema, jobStateSchema } from "./job";

export const MAX_BATCH_ARTICLES = 1_000;
export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 500;

/** Cursor pagination shared by every list endpoint. */
export const pageQuerySchema = z.strictObject({
  cursor: z.string().min(1).max(512).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_LIMIT).default(DEFAULT_PAGE_LIMIT),
});

// ----------------------------------------------------------------------------------- articles

export const articleBatchRequestSchema = z.strictObject({
  articles: z.array(articleInputSchema).min(1).max(MAX_BATCH_ARTICLES),
});
export type ArticleBatchRequest = z.infer<typeof articleBatchRequestSchema>;

/** A batch is all-or-nothing on validation; when valid, each item says whether it was new. */
export const articleBatchResultSchema = z.object({
  results: z.array(articleSubmitResultSchema.extend({ index: z.number().int().min(0) })),
  created: z.number().int().min(0),
  existing: z.number().int().min(0),
});
export type ArticleBatchResult = z.infer<typeof articleBatchResultSchema>;

/** One problem with one line of an NDJSON stream or import file (lines count from 1). */
export const lineErrorSchema = z.object({
  line: z.number().int().min(1),
  path: z.string(),
  issue: z.string(),
});
export type LineError = z.infer<typeof lineErrorSchema>;

/** The result of an NDJSON stream: valid lines are stored, invalid ones are reported and skipped. */
export const ndjsonIngestResultSchema = z.object({
  lines: z.number().int().min(0),
  created: z.number().int().min(0),
  existing: z.number().int().min(0),
  rejected: z.number().int().min(0),
  /** The first errors, capped (see `errors_truncated`). */
  errors: z.array(lineErrorSchema),
  errors_truncated: z.boolean(),
});
export type NdjsonIngestResult = z.infer<typeof ndjsonIngestResultSchema>;

/** `tier` filters by the tier a filter gave an article, written `filter:tier` (labels or predictions). */
export const articleListQuerySchema = pageQuerySchema.extend({
  source: z.string().min(1).max(200).optional(),
  language: languageSchema.optional(),
  tier: z
    .string()
    .regex(/^[a-z][a-z0-9_-]{0,63}:[a-z][a-z0-9_-]{0,63}$/, "use FILTER:TIER, e.g. sustainability:high")
    .optional(),
  published_since: timestampSchema.optional(),
  published_until: timestampSchema.optional(),
});
export type ArticleListQuery = z.infer<typeof articleListQuerySchema>;

/** An article in a list: everything but the body. */
export const articleSummarySchema = articleSchema.omit({ body: true }).extend({
  body_chars: z.number().int().min(0),
});
export type ArticleSummary = z.infer<typeof articleSummarySchema>;

// ------------------------------------------------------------------------------------- imports

export const IMPORT_PART_BYTES = 8 * 1024 * 1024;

export const uploadCreateRequestSchema = z.strictObject({
  filename: z.string().min(1).max(512).optional(),
});

export const uploadPartSchema = z.object({
  part_number: z.number().int().min(1).max(10_000),
  etag: z.string(),
  bytes: z.number().int().min(0),
});
export type UploadPart = z.infer<typeof uploadPartSchema>;

/** Where an upload is: parts still arriving, all assembled in R2, or given up. */
export const uploadStateSchema = z.enum(["uploading", "complete", "aborted"]);
export type UploadState = z.infer<typeof uploadStateSchema>;

export const uploadSchema = z.object({
  id: idSchema,
  state: uploadStateSchema,
  filename: z.string().nullable(),
  /** Every part but the last must be exactly this many bytes (R2 multipart rule). */
  part_bytes: z.number().int().min(1),
  parts: z.array(uploadPartSchema),
  bytes: z.number().int().min(0),
  created_at: timestampSchema,
});
export type Upload = z.infer<typeof uploadSchema>;

/** What an import job's `result` holds when it ends. */
export const importResultSchema = z.object({
  lines: z.number().int().min(0),
  created: z.number().int().min(0),
  existing: z.number().int().min(0),
  rejected: z.number().int().min(0),
  /** Where the full per-line error report can be read (`GET /v1/jobs/{id}/errors`). */
  errors_url: z.string(),
});
export type ImportResult = z.infer<typeof importResultSchema>;

// ------------------------------------------------------------------------------------ webhooks

/** A Standard Webhooks payload (`type`, `timestamp`, `data`) carrying one article. */
export const webhookArticlePayloadSchema = z.strictObject({
  type: z.enum(["article.created", "article.updated", "article.published"]),
  timestamp: timestampSchema,
  data: articleInputSchema,
});
export type WebhookArticlePayload = z.infer<typeof webhookArticlePayloadSchema>;

export const webhookAckSchema = z.object({
  id: idSchema,
  created: z.boolean(),
  /** True when this `webhook-id` was seen before and nothing was stored this time. */
  replayed: z.boolean(),
});

export const webhookSecretCreateRequestSchema = z.strictObject({
  /** The only `source` the secret may post articles for (the same rules as an article's `source`). */
  source: articleInputSchema.shape.source,
});

export const webhookSecretSchema = z.object({
  id: idSchema,
  source: z.string(),
  created_at: timestampSchema,
  revoked_at: timestampSchema.nullable(),
});

/** Returned once, at creation: the only time the secret is shown. */
export const webhookSecretCreatedSchema = webhookSecretSchema.extend({
  secret: z.string().startsWith("whsec_"),
});

// ------------------------------------------------------------------------------------- filters

export const filterRecordSchema = z.object({
  name: slugSchema,
  version: z.number().int().min(1),
  description: z.string(),
  prompt_hash: z.string(),
  package: filterPackageSchema,
  created_by: z.string(),
  created_at: timestampSchema,
});
export type FilterRecord = z.infer<typeof filterRecordSchema>;

export const filterSummarySchema = z.object({
  name: slugSchema,
  latest_version: z.number().int().min(1),
  versions: z.array(z.number().int().min(1)),
  description: z.string(),
});
export type FilterSummary = z.infer<typeof filterSummarySchema>;

/** Dry run on a stored article (`article_id`) or on text given inline (`article`). */
export const filterDryRunRequestSchema = z
  .strictObject({
    version: z.number().int().min(1).optional(),
    article_id: articleIdSchema.optional(),
    article: articleInputSchema
      .pick({ title: true, body: true, language: true, source: true, url: true })
      .partial({ url: true })
      .strict()
      .optional(),
  })
  .refine((v) => (v.article_id === undefined) !== (v.article === undefined), {
    message: "give exactly one of article_id or article",
    path: ["article_id"],
  });
export type FilterDryRunRequest = z.infer<typeof filterDryRunRequestSchema>;

export const filterDryRunResultSchema = z.object({
  filter: slugSchema,
  version: z.number().int().min(1),
  prefilter: z.object({ pass: z.boolean(), rule: z.string(), detail: z.string() }),
  prompt: z.object({ prefix: z.string(), article: z.string(), text: z.string() }),
  prompt_hash: z.string(),
});
export type FilterDryRunResult = z.infer<typeof filterDryRunResultSchema>;

// ---------------------------------------------------------------------------------------- jobs

export const jobListQuerySchema = pageQuerySchema.extend({
  state: jobStateSchema.optional(),
  kind: jobKindSchema.optional(),
});
export type JobListQuery = z.infer<typeof jobListQuerySchema>;

export const jobNotifyRequestSchema = z.strictObject({
  channel_id: z.string().min(1).max(64),
  message_id: z.string().min(1).max(64),
});

// --------------------------------------------------------------------------------------- exports

export const exportFormatSchema = z.enum(["ndjson", "csv"]);
export const exportKindSchema = z.enum(["labels", "predictions"]);

/** What a signed export link (`POST /v1/exports/links`) adds to the query instead of a bearer token. */
const signedLinkShape = {
  /** Unix seconds after which the link is refused. */
  expires: z.coerce.number().int().min(0).optional(),
  /** Hex HMAC-SHA256 of the path and the other query parameters. */
  signature: z
    .string()
    .regex(/^[0-9a-f]{64}$/, "64 hex digits")
    .optional(),
};

export const labelsExportQuerySchema = z.strictObject({
  filter: slugSchema,
  version: z.coerce.number().int().min(1).optional(),
  format: exportFormatSchema.default("ndjson"),
  ...signedLinkShape,
});

export const predictionsExportQuerySchema = z
  .strictObject({
    job_id: jobIdSchema.optional(),
    model_id: modelIdSchema.optional(),
    format: exportFormatSchema.default("ndjson"),
    ...signedLinkShape,
  })
  .refine((v) => (v.job_id === undefined) !== (v.model_id === undefined), {
    message: "give exactly one of job_id or model_id",
    path: ["job_id"],
  });

/**
 * A signed, expiring download link. Labels need `filter` (optional `version`); predictions need one
 * of `job_id`, `model_id`, or `filter` (then the filter's newest model).
 */
export const exportLinkRequestSchema = z
  .strictObject({
    kind: exportKindSchema,
    filter: slugSchema.optional(),
    version: z.number().int().min(1).optional(),
    job_id: jobIdSchema.optional(),
    model_id: modelIdSchema.optional(),
    format: exportFormatSchema.default("ndjson"),
    expires_in_s: z
      .number()
      .int()
      .min(60)
      .max(7 * 86_400)
      .default(86_400),
  })
  .superRefine((v, ctx) => {
    if (v.kind === "labels" && !v.filter) {
      ctx.addIssue({ code: "custom", path: ["filter"], message: "a labels export needs a filter" });
    }
    const keys = [v.job_id, v.model_id, v.filter].filter((k) => k !== undefined);
    if (v.kind === "predictions" && keys.length !== 1) {
      ctx.addIssue({
        code: "custom",
        path: ["model_id"],
        message: "a predictions export needs exactly one of job_id, model_id or filter",
      });
    }
  });
export type ExportLinkRequest = z.infer<typeof exportLinkRequestSchema>;

export const exportLinkSchema = z.object({ url: z.string().url(), expires_at: timestampSchema });
export type ExportLink = z.infer<typeof exportLinkSchema>;

// ------------------------------------------------------------------------------ models and datasets

/** `GET /v1/models` and `GET /v1/datasets`: newest first, optionally of one filter. */
export const catalogListQuerySchema = pageQuerySchema.extend({ filter: slugSchema.optional() });

// ------------------------------------------------------------------------------ tokens and audit

export const tokenRoleSchema = z.enum(["admin", "submitter", "node", "bot"]);
export type TokenRole = z.infer<typeof tokenRoleSchema>;

export const tokenCreateRequestSchema = z.strictObject({
  role: tokenRoleSchema,
  name: z.string().trim().min(1).max(100).optional(),
});

export const tokenInfoSchema = z.object({
  id: idSchema,
  name: z.string(),
  role: tokenRoleSchema,
  created_by: z.string(),
  created_at: timestampSchema,
  last_used_at: timestampSchema.nullable(),
  revoked_at: timestampSchema.nullable(),
});
export type TokenInfo = z.infer<typeof tokenInfoSchema>;

/** Returned once, at creation: the only time the token itself is shown. */
export const tokenCreatedSchema = tokenInfoSchema.extend({ token: z.string() });
export type TokenCreated = z.infer<typeof tokenCreatedSchema>;

export const auditEntrySchema = z.object({
  id: z.number().int(),
  at: timestampSchema,
  actor: z.string(),
  token_id: z.string().nullable(),
  discord_user: z.string().nullable(),
  action: z.string(),
  target_type: z.string(),
  target_id: z.string(),
  details: z.record(z.string(), z.unknown()).nullable(),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

export const auditListQuerySchema = pageQuerySchema.extend({
  target_type: z.string().min(1).max(64).optional(),
  target_id: z.string().min(1).max(128).optional(),
});

/** The header the bot sets so the audit log names the chat user behind a bot token. */
export const DISCORD_USER_HEADER = "x-distillery-discord-user";

export const healthSchema = z.object({ ok: z.literal(true), version: z.string() });
