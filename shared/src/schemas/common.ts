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

/** Token usage of one oracle call, as Gemini reports it in usage metadata. */
export const tokenUsageSchema = z.object({
  input: z.number().int().min(0),
  cached: z.number().int().min(0),
  output: z.number().int().min(0),
});
export type TokenUsage = z.infer<typeof tokenUsageSchema>;
