/**
 * @module
 * Reading the oracle's answer text. Valid JSON that matches the filter's response schema is taken
 * as is. Otherwise one repair is tried for the ways models commonly break JSON: Markdown code fences,
 * text after the object, a score written as a string ("7.5"). A score outside 0-10 is refused, never
 * clamped: a model that misreads the scale would silently bias the student. Truncated JSON cannot be
 * repaired; the caller retries the call.
 */
import { type FilterPackage, oracleResponseSchema, splitOracleResponse } from "@distillery/shared";

type AnswerFilter = Pick<FilterPackage, "dimensions" | "categories" | "oracle">;

export type OracleAnswer = {
  scores: Record<string, { score: number; reason: string }>;
  categories: Record<string, string>;
  repaired: boolean;
};

export type AnswerProblem = {
  code: "oracle.invalid_json" | "oracle.schema_mismatch" | "oracle.score_out_of_range";
  message: string;
};

/** The first balanced `{...}` in `text` (string-aware), or null. */
function outermostObject(text: string): string | null {
  const start = text.indexOf("{");
  if (start < 0) return null;
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === "\\") i++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === "{") depth++;
    else if (char === "}" && --depth === 0) return text.slice(start, i + 1);
  }
  return null;
}

/** Strips fences and trailing text, and turns `"score": "7.5"` into a number. */
export function repairAnswerText(text: string): string | null {
  const unfenced = text.replace(/```(?:json)?/gi, "");
  const object = outermostObject(unfenced);
  if (!object) return null;
  return object.replace(/("score"\s*:\s*)"\s*(-?\d+(?:\.\d+)?)\s*"/g, "$1$2");
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function outOfRange(filter: AnswerFilter, value: unknown): string | null {
  if (!value || typeof value !== "object") return null;
  for (const dimension of filter.dimensions) {
    const score = (value as Record<string, { score?: unknown }>)[dimension.key]?.score;
    if (typeof score === "number" && (score < 0 || score > 10)) return `${dimension.key}.score = ${score}`;
  }
  return null;
}

/**
 * Validates the oracle's answer text against the filter, repairing it once if needed.
 * @example
 * const answer = readOracleAnswer(filter, response.text ?? "");
 * if ("code" in answer) retry(); else store(answer.scores);
 */
export function readOracleAnswer(filter: AnswerFilter, text: string): OracleAnswer | AnswerProblem {
  const schema = oracleResponseSchema(filter);
  const attempt = (candidate: string | null, repaired: boolean): OracleAnswer | AnswerProblem => {
    const value = candidate === null ? undefined : tryParse(candidate);
    if (value === undefined) return { code: "oracle.invalid_json", message: "the answer is not valid JSON" };
    const range = outOfRange(filter, value);
    if (range) return { code: "oracle.score_out_of_range", message: `score outside 0-10 refused: ${range}` };
    const result = schema.safeParse(value);
    if (!result.success) {
      const issue = result.error.issues[0];
      return {
        code: "oracle.schema_mismatch",
        message: `the answer does not match the filter: ${issue?.path.join(".")}: ${issue?.message}`,
      };
    }
    return { ...splitOracleResponse(filter, result.data as Record<string, unknown>), repaired };
  };
  const direct = attempt(text, false);
  if (!("code" in direct) || direct.code === "oracle.score_out_of_range") return direct;
  const repaired = attempt(repairAnswerText(text), true);
  return "code" in repaired && repaired.code === "oracle.invalid_json" ? direct : repaired;
}
