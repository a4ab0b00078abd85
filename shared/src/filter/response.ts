/**
 * @module
 * The oracle's answer for a filter: derived from its dimensions and categorical fields, as a zod
 * schema (validation of what came back) and as Gemini's `responseSchema` (what the model is asked
 * to produce). Both come from the same filter so they cannot drift apart.
 */
import { z } from "zod";
import type { FilterPackage } from "../schemas/filter";

type ResponseFilter = Pick<FilterPackage, "dimensions" | "categories" | "oracle">;

/** Zod schema of a valid oracle response; scores outside 0-10 are refused, not clamped. */
export function oracleResponseSchema(filter: ResponseFilter) {
  const shape: Record<string, z.ZodType> = {};
  for (const dimension of filter.dimensions) {
    shape[dimension.key] = z.object({
      score: z.number().min(0).max(10),
      reason: z.string().max(filter.oracle.max_reason_chars * 4),
    });
  }
  for (const category of filter.categories) {
    shape[category.key] = z.enum(category.values.map((v) => v.key) as [string, ...string[]]);
  }
  return z.object(shape);
}

export type OracleResponse = {
  scores: Record<string, { score: number; reason: string }>;
  categories: Record<string, string>;
};

/** Splits a validated response into dimension scores and categorical values. */
export function splitOracleResponse(
  filter: ResponseFilter,
  response: Record<string, unknown>,
): OracleResponse {
  const scores: OracleResponse["scores"] = {};
  const categories: OracleResponse["categories"] = {};
  for (const d of filter.dimensions) scores[d.key] = response[d.key] as { score: number; reason: string };
  for (const c of filter.categories) categories[c.key] = response[c.key] as string;
  return { scores, categories };
}

/** Gemini's `responseSchema` (OpenAPI subset with `propertyOrdering`) for a filter. */
export function geminiResponseSchema(filter: ResponseFilter): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  const order: string[] = [];
  for (const dimension of filter.dimensions) {
    properties[dimension.key] = {
      type: "OBJECT",
      description: dimension.label,
      properties: {
        score: { type: "NUMBER", minimum: 0, maximum: 10 },
        reason: { type: "STRING" },
      },
      required: ["score", "reason"],
      propertyOrdering: ["score", "reason"],
    };
    order.push(dimension.key);
  }
  for (const category of filter.categories) {
    properties[category.key] = {
      type: "STRING",
      enum: category.values.map((v) => v.key),
      description: category.label,
    };
    order.push(category.key);
  }
  return { type: "OBJECT", properties, required: order, propertyOrdering: order };
}

/**
 * The same answer shape as a JSON Schema for OpenAI-compatible `response_format: json_schema` in
 * strict mode: every property required, no others allowed. Score bounds are left to our own check
 * (`readOracleAnswer` refuses a score outside 0-10) because not every compatible endpoint accepts
 * `minimum`/`maximum` in strict schemas.
 */
export function jsonResponseSchema(filter: ResponseFilter): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const dimension of filter.dimensions) {
    properties[dimension.key] = {
      type: "object",
      description: `${dimension.label}: score 0-10, then a short reason`,
      properties: { score: { type: "number" }, reason: { type: "string" } },
      required: ["score", "reason"],
      additionalProperties: false,
    };
  }
  for (const category of filter.categories) {
    properties[category.key] = {
      type: "string",
      enum: category.values.map((v) => v.key),
      description: category.label,
    };
  }
  return { type: "object", properties, required: Object.keys(properties), additionalProperties: false };
}
