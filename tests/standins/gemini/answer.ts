/**
 * @module
 * What the Gemini stand-in answers: a JSON document shaped by the request's `responseSchema`
 * (the OpenAPI subset Gemini uses, types in upper case), filled deterministically from a hash of the
 * article text, plus token counts estimated the way tests and benchmarks can reproduce (4 characters
 * per token). The same article always gets the same scores; different dimensions get different ones
 * around a per-article base, so overall scores spread across tiers like real labels do.
 */
import { createHash } from "node:crypto";
import { sha256HexSync } from "@distillery/shared/node";
import { lexicalCategory, lexicalScore } from "./lexical";

/** The subset of Gemini's `Schema` object the stand-in reads. */
export type GeminiSchema = {
  type?: string;
  properties?: Record<string, GeminiSchema>;
  propertyOrdering?: string[];
  items?: GeminiSchema;
  enum?: string[];
  minimum?: number;
  maximum?: number;
  required?: string[];
  anyOf?: GeminiSchema[];
};

export type ScoringMode = "hash" | "lexical";

/** Changes a 0..10 score of `dimension` (bias, noise); applied before scaling to a schema's range. */
export type ScoreAdjuster = (score: number, dimension: string) => number;

/** A stable 32-bit unsigned integer from any text. */
export function hash32(text: string): number {
  return createHash("sha256").update(text).digest().readUInt32BE(0);
}

/** The key the stand-in counts calls by: a short hash of the article part of a prompt. */
export function articleKey(articleText: string): string {
  return sha256HexSync(articleText).slice(0, 16);
}

/** Gemini-like token estimate: about 4 characters per token. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** The score the stand-in gives `articleText` on `dimension`: a per-article base plus a small per-dimension offset. */
export function standinScore(articleText: string, dimension: string): number {
  const base = (hash32(`base\u0000${articleText}`) % 1001) / 100;
  const offset = ((hash32(`${dimension}\u0000${articleText}`) % 401) - 200) / 100;
  return Math.round(Math.min(10, Math.max(0, base + offset)) * 10) / 10;
}

function typeOf(schema: GeminiSchema): string {
  if (schema.type) return schema.type.toUpperCase();
  if (schema.anyOf?.[0]) return typeOf(schema.anyOf[0]);
  if (schema.properties) return "OBJECT";
  return "STRING";
}

/**
 * Builds a value valid for `schema`; `path` names where it sits (the parent of `score` is the
 * dimension); `adjust`, when given, shifts every number leaf's 0..10 score.
 */
export function valueForSchema(
  schema: GeminiSchema,
  articleText: string,
  path: string[] = [],
  scoring: ScoringMode = "hash",
  adjust?: ScoreAdjuster,
): unknown {
  const type = typeOf(schema);
  const last = path[path.length - 1] ?? "";
  if (schema.enum && schema.enum.length > 0) {
    if (scoring === "lexical") return lexicalCategory(articleText, schema.enum);
    return schema.enum[hash32(`${path.join(".")}\u0000${articleText}`) % schema.enum.length];
  }
  switch (type) {
    case "OBJECT": {
      const out: Record<string, unknown> = {};
      const keys = schema.propertyOrdering ?? Object.keys(schema.properties ?? {});
      for (const key of keys) {
        const child = schema.properties?.[key];
        if (child) out[key] = valueForSchema(child, articleText, [...path, key], scoring, adjust);
      }
      return out;
    }
    case "ARRAY":
      return schema.items ? [valueForSchema(schema.items, articleText, [...path, "0"], scoring, adjust)] : [];
    case "NUMBER":
    case "INTEGER": {
      const dimension = last === "score" ? (path[path.length - 2] ?? "score") : last;
      const min = schema.minimum ?? 0;
      const max = schema.maximum ?? 10;
      const raw =
        scoring === "lexical" ? lexicalScore(articleText, dimension) : standinScore(articleText, dimension);
      const score = adjust ? adjust(raw, dimension) : raw;
      const value = min + ((max - min) * score) / 10;
      return type === "INTEGER" ? Math.round(value) : Math.round(value * 10) / 10;
    }
    case "BOOLEAN":
      return hash32(`${path.join(".")}\u0000${articleText}`) % 2 === 0;
    default: {
      const dimension = path[path.length - 2] ?? last;
      return `Stand-in judgement of ${dimension} from the article's wording.`;
    }
  }
}

/** Every `score` leaf in a generated answer, as [object holding it, dimension]. */
export function scoreHolders(value: unknown): Record<string, unknown>[] {
  const found: Record<string, unknown>[] = [];
  const visit = (node: unknown) => {
    if (!node || typeof node !== "object") return;
    const record = node as Record<string, unknown>;
    if (typeof record.score === "number") found.push(record);
    for (const child of Object.values(record)) visit(child);
  };
  visit(value);
  return found;
}
