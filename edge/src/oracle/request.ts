/**
 * @module
 * The Gemini request for one article under one filter, the same for interactive calls and Batch
 * Mode: the filter's fixed instructions as the system instruction (first, so implicit prefix caching
 * applies to every article of a filter version), the article as the only user turn, JSON output
 * constrained by the filter's `responseSchema`. Also the token estimate used before spending.
 */
import {
  type ArticleText,
  type FilterPackage,
  geminiResponseSchema,
  renderOraclePrompt,
} from "@distillery/shared";

type OracleFilter = Pick<FilterPackage, "prompt" | "oracle" | "dimensions" | "categories">;

/** Parameters for `ai.models.generateContent` (and, without `model`, one inline Batch request). */
export function oracleRequest(filter: OracleFilter, article: ArticleText, model: string) {
  const prompt = renderOraclePrompt(filter, article);
  return {
    model,
    contents: [{ role: "user", parts: [{ text: prompt.article }] }],
    config: {
      systemInstruction: prompt.prefix,
      temperature: filter.oracle.temperature,
      responseMimeType: "application/json",
      responseSchema: geminiResponseSchema(filter),
    },
  };
}

/** The body of one line of a Batch Mode JSONL input file (REST field names, not SDK ones). */
export function oracleBatchLine(filter: OracleFilter, article: ArticleText, key: string) {
  const prompt = renderOraclePrompt(filter, article);
  return {
    key,
    request: {
      contents: [{ role: "user", parts: [{ text: prompt.article }] }],
      systemInstruction: { parts: [{ text: prompt.prefix }] },
      generationConfig: {
        temperature: filter.oracle.temperature,
        responseMimeType: "application/json",
        responseSchema: geminiResponseSchema(filter),
      },
    },
  };
}

/** About four characters per token for the languages our filters read (Gemini's tokenizer averages 3.5-4.5). */
export const CHARS_PER_TOKEN = 4;
/** Tokens an answer takes per dimension (score, a reason of one or two sentences, JSON punctuation). */
export const OUTPUT_TOKENS_PER_DIMENSION = 60;

export type TokenEstimate = { prefix: number; article: number; input: number; output: number };

/** Estimated tokens of one call, from the rendered prompt. */
export function estimateCallTokens(filter: OracleFilter, article: ArticleText): TokenEstimate {
  const prompt = renderOraclePrompt(filter, article);
  const prefix = Math.ceil(prompt.prefix.length / CHARS_PER_TOKEN);
  const articleTokens = Math.ceil(prompt.article.length / CHARS_PER_TOKEN);
  const output = filter.dimensions.length * OUTPUT_TOKENS_PER_DIMENSION + filter.categories.length * 8 + 10;
  return { prefix, article: articleTokens, input: prefix + articleTokens, output };
}
