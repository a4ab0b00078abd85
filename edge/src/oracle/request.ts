/**
 * @module
 * The Gemini request for one article under one filter, the same for interactive calls and Batch
 * Mode: the filter's fixed instructions as the system instruction (first, so implicit prefix caching
 * applies to every article of a filter version), the article as the only user turn, JSON output
 * constrained by the filter's `responseSchema`, and the oracle's thinking setting and output limit
 * (thinking tokens count against that limit). Also the token estimate used before spending.
 */
import {
  type ArticleText,
  CHARS_PER_TOKEN,
  type FilterPackage,
  geminiResponseSchema,
  plannedOutputTokens,
  type ResolvedOracle,
  renderOraclePrompt,
  type Thinking,
} from "@distillery/shared";
import { ThinkingLevel } from "@google/genai";

type OracleFilter = Pick<FilterPackage, "prompt" | "oracle" | "dimensions" | "categories">;

const LEVELS: Record<Exclude<Thinking, number>, ThinkingLevel> = {
  minimal: ThinkingLevel.MINIMAL,
  low: ThinkingLevel.LOW,
  medium: ThinkingLevel.MEDIUM,
  high: ThinkingLevel.HIGH,
};

/** The SDK's `thinkingConfig` for a setting (none when nothing is to be sent). */
export function geminiThinkingConfig(thinking: Thinking | null) {
  if (thinking === null) return undefined;
  return typeof thinking === "number" ? { thinkingBudget: thinking } : { thinkingLevel: LEVELS[thinking] };
}

/**
 * Parameters for `ai.models.generateContent` (and, without `model`, one inline Batch request).
 * `maxOutputTokens` overrides the oracle's limit (the larger limit of a retry after truncation).
 */
export function oracleRequest(
  filter: OracleFilter,
  article: ArticleText,
  oracle: ResolvedOracle,
  maxOutputTokens = oracle.max_output_tokens,
) {
  const prompt = renderOraclePrompt(filter, article);
  const thinkingConfig = geminiThinkingConfig(oracle.thinking);
  return {
    model: oracle.model,
    contents: [{ role: "user", parts: [{ text: prompt.article }] }],
    config: {
      systemInstruction: prompt.prefix,
      temperature: filter.oracle.temperature,
      maxOutputTokens,
      ...(thinkingConfig ? { thinkingConfig } : {}),
      responseMimeType: "application/json",
      responseSchema: geminiResponseSchema(filter),
    },
  };
}

/** The body of one line of a Batch Mode JSONL input file (REST field names, not SDK ones). */
export function oracleBatchLine(
  filter: OracleFilter,
  article: ArticleText,
  oracle: ResolvedOracle,
  key: string,
) {
  const prompt = renderOraclePrompt(filter, article);
  const thinkingConfig = geminiThinkingConfig(oracle.thinking);
  return {
    key,
    request: {
      contents: [{ role: "user", parts: [{ text: prompt.article }] }],
      systemInstruction: { parts: [{ text: prompt.prefix }] },
      generationConfig: {
        temperature: filter.oracle.temperature,
        maxOutputTokens: oracle.max_output_tokens,
        ...(thinkingConfig ? { thinkingConfig } : {}),
        responseMimeType: "application/json",
        responseSchema: geminiResponseSchema(filter),
      },
    },
  };
}

export type TokenEstimate = {
  prefix: number;
  article: number;
  input: number;
  output: number;
  thinking: number;
};

/** Estimated tokens of one call, from the rendered prompt; output includes the planned thinking. */
export function estimateCallTokens(
  filter: OracleFilter,
  article: ArticleText,
  oracle: Pick<ResolvedOracle, "thinking">,
): TokenEstimate {
  const prompt = renderOraclePrompt(filter, article);
  const prefix = Math.ceil(prompt.prefix.length / CHARS_PER_TOKEN);
  const articleTokens = Math.ceil(prompt.article.length / CHARS_PER_TOKEN);
  const output = plannedOutputTokens(filter, oracle);
  const thinking = output - plannedOutputTokens(filter, { thinking: null });
  return { prefix, article: articleTokens, input: prefix + articleTokens, output, thinking };
}
