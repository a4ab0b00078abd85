/**
 * @module
 * The oracle one call uses, resolved from a filter's `oracle` block and a job's override: provider,
 * model, thinking setting and output limit, with the token plan estimates and budget reservations
 * are made from. One definition, used by the edge's calls, estimates and Batch lines and by the
 * cascade's cost figures.
 */
import type { FilterPackage } from "../schemas/filter";
import {
  defaultThinking,
  modelFamily,
  type OracleProvider,
  plannedThinkingTokens,
  type Thinking,
  thinkingProblem,
} from "./models";

type ChoiceFilter = Pick<FilterPackage, "oracle" | "dimensions" | "categories">;

/** About four characters per token for the languages our filters read (Gemini's tokenizer averages 3.5-4.5). */
export const CHARS_PER_TOKEN = 4;
/** Tokens an answer typically takes per dimension (score, a reason of one or two sentences, JSON punctuation). */
export const OUTPUT_TOKENS_PER_DIMENSION = 60;

/** A job's override of the filter's oracle; each field left out keeps the filter's. */
export type OracleOverride = { provider?: OracleProvider; model?: string; thinking?: Thinking };

export type ResolvedOracle = {
  provider: OracleProvider;
  model: string;
  /** null: nothing is sent (the model does not think, or an endpoint whose default we keep). */
  thinking: Thinking | null;
  max_output_tokens: number;
};

/** Typical answer tokens, without thinking: what an estimate plans for. */
export function answerTokens(filter: ChoiceFilter): number {
  return filter.dimensions.length * OUTPUT_TOKENS_PER_DIMENSION + filter.categories.length * 8 + 10;
}

/** The longest answer the response schema allows (every reason at `max_reason_chars`). */
export function answerTokenCeiling(filter: ChoiceFilter): number {
  const reason = Math.ceil(filter.oracle.max_reason_chars / CHARS_PER_TOKEN);
  return filter.dimensions.length * (reason + 20) + filter.categories.length * 12 + 20;
}

/**
 * The default output limit: twice the longest answer, plus room for the thinking the setting allows
 * (a budget in full; a level or dynamic thinking at twice its planned use), within the model's limit.
 * Thinking tokens count against this limit, so a limit without that room truncates every answer.
 */
export function defaultMaxOutputTokens(
  filter: ChoiceFilter,
  provider: OracleProvider,
  model: string,
  thinking: Thinking | null,
) {
  const planned = plannedThinkingTokens(thinking);
  const room = typeof thinking === "number" && thinking > 0 ? thinking : planned * 2;
  return Math.min(modelFamily(provider, model).outputLimit, 2 * answerTokenCeiling(filter) + room);
}

/**
 * Resolves the oracle of a call. A job that changes the model without naming a thinking setting gets
 * the new model's default, not the filter's (which may not fit the new family).
 * @example
 * resolveOracle(filter, { model: "gemini-2.5-pro" }) // { thinking: 128, max_output_tokens: ..., ... }
 */
export function resolveOracle(filter: ChoiceFilter, override: OracleOverride = {}): ResolvedOracle {
  const provider = override.provider ?? filter.oracle.provider;
  const model = override.model ?? filter.oracle.model;
  const sameModel = provider === filter.oracle.provider && model === filter.oracle.model;
  const thinking =
    override.thinking ?? (sameModel ? filter.oracle.thinking : undefined) ?? defaultThinking(provider, model);
  const explicitLimit =
    sameModel && override.thinking === undefined ? filter.oracle.max_output_tokens : undefined;
  return {
    provider,
    model,
    thinking,
    max_output_tokens: explicitLimit ?? defaultMaxOutputTokens(filter, provider, model, thinking),
  };
}

/** Why this resolved oracle cannot be called (a setting its family refuses), or null. */
export function oracleProblem(
  oracle: Pick<ResolvedOracle, "provider" | "model" | "thinking">,
): string | null {
  return oracle.thinking === null ? null : thinkingProblem(oracle.provider, oracle.model, oracle.thinking);
}

/** Output tokens a call is planned at: the answer plus the thinking the setting is expected to use. */
export function plannedOutputTokens(filter: ChoiceFilter, oracle: Pick<ResolvedOracle, "thinking">): number {
  return answerTokens(filter) + plannedThinkingTokens(oracle.thinking);
}

/** A short name for reports and keys: `gemini:gemini-2.5-flash`. */
export function oracleName(oracle: Pick<ResolvedOracle, "provider" | "model">): string {
  return `${oracle.provider}:${oracle.model.replace(/^models\//, "")}`;
}
