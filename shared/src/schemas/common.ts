/**
 * @module
 * Small shapes reused by the other schemas: identifiers, scores, timestamps, the error body and pages.
 */
import { z } from "zod";

/** A lower-case identifier used for filter names, dimension keys, tier keys and category values. */
export const slugSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,63}$/, "use lower-case letters, digits, '_' or '-', starting with a letter");

/** A score on the 0-10 scale every dimension uses. Out-of-range values are refused, never clamped. */
export const scoreSchema = z.number().min(0).max(10);

/** ISO 639-1 language code, or `und` when unknown. */
export const languageSchema = z
  .string()
  .regex(/^([a-z]{2}|und)$/, "use an ISO 639-1 code such as en, nl, pt, es (or und)");

export const timestampSchema = z.iso.datetime({ offset: true });

export const idSchema = z.string().min(1).max(128);

/**
 * The id of one kind of record, as the edge assigns it: the kind's prefix, `_`, then up to 100
 * letters, digits, `_` or `-` (e.g. `job_0lx8k2q7m3n4p5r6s7t8u9v0w`). Every route taking an id in its
 * path validates it with its kind's schema, so a malformed id (a quote, CR/LF, a slash, another kind's
 * prefix) is a 400 `request.invalid` naming the parameter before it reaches a query, a key or a header.
 */
function kindIdSchema(prefix: string, kind: string) {
  return z
    .string()
    .regex(
      new RegExp(`^${prefix}_[A-Za-z0-9_-]{1,100}$`),
      `not a ${kind} id: expected '${prefix}_' followed by letters, digits, '_' or '-'`,
    );
}
export const articleIdSchema = kindIdSchema("art", "article");
export const jobIdSchema = kindIdSchema("job", "job");
export const modelIdSchema = kindIdSchema("mdl", "model");
export const datasetIdSchema = kindIdSchema("ds", "dataset");
export const uploadIdSchema = kindIdSchema("upl", "upload");
export const tokenIdSchema = kindIdSchema("tok", "token");
export const webhookSecretIdSchema = kindIdSchema("whs", "webhook secret");

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when `text` has no lone UTF-16 surrogate, i.e. it can be stored and sent as UTF-8 unchanged. */
export function isWellFormedText(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

export const LONE_SURROGATE_ISSUE = "contains a lone UTF-16 surrogate (e.g. \\ud800): not valid Unicode text";

/** A string that is valid Unicode (a lone surrogate would be silently replaced when stored). */
export function textSchema() {
  return z.string().refine(isWellFormedText, LONE_SURROGATE_ISSUE);
}

export const errorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(z.object({ path: z.string(), issue: z.string() })),
  }),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

/** Wraps an item schema in a cursor-paginated list. */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), next_cursor: z.string().nullable() });
}

/** Token usage of oracle calls, as the provider reports it in the response's usage. */
export const tokenUsageSchema = z.object({
  /** Every prompt token, cached ones included. */
  input: z.number().int().min(0),
  cached: z.number().int().min(0),
  /** Every billed output token: the answer and the thinking. */
  output: z.number().int().min(0),
  /** Of `output`, the thinking (reasoning) tokens. */
  thinking: z.number().int().min(0).default(0),
});
export type TokenUsage = z.infer<typeof tokenUsageSchema>;
