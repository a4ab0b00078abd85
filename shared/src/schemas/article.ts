/**
 * @module
 * Articles as submitted (webhook, API, NDJSON import) and as stored. Submissions are strict: an
 * unknown field is refused so a typo never silently drops data. `metadata` is the place for extras.
 * Every field is capped well below D1's 2 MB per-value limit, so a submission that validates can
 * always be stored, and every string must be valid Unicode (a lone surrogate is refused, not
 * silently replaced when stored).
 */
import { z } from "zod";
import {
  idSchema,
  isWellFormedText,
  LONE_SURROGATE_ISSUE,
  languageSchema,
  textSchema,
  timestampSchema,
} from "./common";

export const MAX_ARTICLE_BODY_CHARS = 1_000_000;
export const MAX_ARTICLE_TITLE_CHARS = 1_000;
export const MAX_ARTICLE_URL_CHARS = 2_048;
/** `metadata` serialized as JSON, in UTF-8 bytes. */
export const MAX_ARTICLE_METADATA_BYTES = 64 * 1024;
/** Nesting of objects and arrays in `metadata`, counting `metadata` itself as 1. */
export const MAX_ARTICLE_METADATA_DEPTH = 16;

type MetadataIssue = { path: (string | number)[]; message: string };

/**
 * The first problem in `metadata`, found without recursion (so no nesting can overflow the stack):
 * nesting past the cap, a string or key that is not valid Unicode, then the serialized size, which
 * is safe to compute only once the depth is known to be small.
 */
export function metadataIssue(metadata: Record<string, unknown>): MetadataIssue | undefined {
  const pending: { value: unknown; path: (string | number)[]; depth: number }[] = [
    { value: metadata, path: [], depth: 1 },
  ];
  for (let item = pending.pop(); item; item = pending.pop()) {
    const { value, path, depth } = item;
    if (typeof value === "string") {
      if (!isWellFormedText(value)) return { path, message: LONE_SURROGATE_ISSUE };
      continue;
    }
    if (typeof value !== "object" || value === null) continue;
    if (depth > MAX_ARTICLE_METADATA_DEPTH) {
      return {
        path,
        message: `nested deeper than ${MAX_ARTICLE_METADATA_DEPTH} levels of objects and arrays`,
      };
    }
    const entries: [string | number, unknown][] = Array.isArray(value)
      ? [...value.entries()]
      : Object.entries(value);
    for (let index = entries.length - 1; index >= 0; index--) {
      const [key, child] = entries[index]!;
      if (typeof key === "string" && !isWellFormedText(key)) {
        return { path, message: `has a key that ${LONE_SURROGATE_ISSUE}` };
      }
      pending.push({ value: child, path: [...path, key], depth: depth + 1 });
    }
  }
  const bytes = new TextEncoder().encode(JSON.stringify(metadata)).length;
  if (bytes > MAX_ARTICLE_METADATA_BYTES) {
    return {
      path: [],
      message: `is ${bytes} bytes as JSON; the limit is ${MAX_ARTICLE_METADATA_BYTES} (keep large data elsewhere and link it)`,
    };
  }
  return undefined;
}

export const articleInputSchema = z.strictObject({
  /** The sender's own id, kept for reference; Distillery assigns its own `id`. */
  external_id: textSchema().max(256).optional(),
  url: z
    .url({ protocol: /^https?$/ })
    .max(MAX_ARTICLE_URL_CHARS, `longer than ${MAX_ARTICLE_URL_CHARS} characters`)
    .refine(isWellFormedText, LONE_SURROGATE_ISSUE),
  title: textSchema().trim().min(1).max(MAX_ARTICLE_TITLE_CHARS),
  body: textSchema().max(MAX_ARTICLE_BODY_CHARS),
  language: languageSchema,
  source: textSchema().trim().min(1).max(200),
  published_at: timestampSchema.nullable().optional(),
  metadata: z
    .record(z.string(), z.unknown())
    .superRefine((metadata, ctx) => {
      const issue = metadataIssue(metadata);
      if (issue) ctx.addIssue({ code: "custom", ...issue });
    })
    .optional(),
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
