/**
 * @module
 * What the OpenAI-compatible stand-in knows about a model, by name, the way the providers behave:
 * reasoning models (OpenAI `o1`/`o3`/`o4-mini`…, `gpt-5*`, `deepseek-reasoner`) spend reasoning tokens
 * that count in `completion_tokens` and against the token limit, and refuse `max_tokens` and a
 * non-default `temperature` (OpenAI ones only); DeepSeek models report cache hits in their own fields
 * and, by default, do not take `json_schema` response formats.
 */

/** Models `GET /v1/models` lists and `chat/completions` accepts, unless the stand-in is given others. */
export const DEFAULT_MODELS = [
  "gpt-4o-mini",
  "gpt-4.1-mini",
  "gpt-5-mini",
  "gpt-5",
  "o4-mini",
  "deepseek-chat",
  "deepseek-reasoner",
] as const;

/** Name prefixes of models that answer 400 to `response_format: { type: "json_schema" }`. */
export const DEFAULT_NO_JSON_SCHEMA = ["deepseek-"] as const;

export type ModelTraits = {
  /** Spends reasoning tokens before answering. */
  reasoning: boolean;
  /** OpenAI reasoning models: `max_tokens` and a temperature other than 1 are refused. */
  openAIReasoning: boolean;
  /** Reports `prompt_cache_hit_tokens` / `prompt_cache_miss_tokens` like DeepSeek. */
  deepseek: boolean;
  /** Output limit when the request sets none. */
  defaultMaxTokens: number;
};

/** The traits of `model`. */
export function modelTraits(model: string): ModelTraits {
  const openAIReasoning = /^o\d/.test(model) || model.startsWith("gpt-5");
  const deepseek = model.startsWith("deepseek-");
  const reasoning = openAIReasoning || model === "deepseek-reasoner" || model.startsWith("deepseek-r");
  const defaultMaxTokens = openAIReasoning ? 100_000 : reasoning ? 32_768 : deepseek ? 4_096 : 16_384;
  return { reasoning, openAIReasoning, deepseek, defaultMaxTokens };
}

/** Whether `model` takes `json_schema` response formats, given the prefixes that do not. */
export function supportsJsonSchema(model: string, noJsonSchema: readonly string[]): boolean {
  return !noJsonSchema.some((prefix) => model.startsWith(prefix));
}
