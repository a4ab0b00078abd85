/**
 * @module
 * Articles as submitted (webhook, API, NDJSON import) and as stored. Submissions are strict: an
 * unknown field is refused so a typo never silently drops data. `metadata` is the place for extras.
 */
import { z } from "zod";
import { idSchema, languageSchema, timestampSchema } from "./common";

export const MAX_ARTICLE_BODY_CHARS = 1_000_000;

export const articleInputSchema = z.strictObject({
  /** The sender's own id, kept for reference; Distillery assigns its own `id`. */
  external_id: z.string().max(256).optional(),
  url: z.url({ protocol: /^https?$/ }),
  title: z.string().trim().min(1).max(1_000),
  body: z.string().max(MAX_ARTICLE_BODY_CHARS),
  language: languageSchema,
  source: z.string().trim().min(1).max(200),
  published_at: timestampSchema.nullable().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
export type ArticleInput = z.infer<typeof articleInputSchema>;

export const articleSchema = z.object({
  id: idSchema,
  external_id: z.string().nullable(),
  url: z.string(),
  normalized_url: z.string(),
  content_hash: z.string(),
  title: z.string(),
  body: z.string(),
  language: languageSchema,
  source: z.string(),
  published_at: timestampSchema.nullable(),
  metadata: z.record(z.string(), z.unknown()),
  created_at: timestampSchema,
});
export type Article = z.infer<typeof articleSchema>;

/** The result of submitting one article: `created` is false when it was already stored. */
export const articleSubmitResultSchema = z.object({ id: idSchema, created: z.boolean() });
export type ArticleSubmitResult = z.infer<typeof articleSubmitResultSchema>;

/** The subset of an article the filter engine and the students read. */
export const articleTextSchema = z.object({
  title: z.string(),
  body: z.string(),
  language: z.string(),
  source: z.string(),
  url: z.string().optional(),
});
export type ArticleText = z.infer<typeof articleTextSchema>;
