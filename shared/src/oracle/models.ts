/**
 * @module
 * Which oracle settings each model accepts, and what a setting resolves to. An oracle is a
 * `provider` plus a `model`: `gemini` (Google's API through `@google/genai`) or `openai` (any
 * OpenAI-compatible chat-completions endpoint: OpenAI, DeepSeek, vLLM, Ollama).
 *
 * Thinking is set differently per family, and the API refuses what a family does not take:
 * Gemini 2.5 models take a token *budget* (2.5 Pro cannot turn thinking off), Gemini 3 models take
 * a *level*, Gemini 2.0 does not think. OpenAI-compatible reasoning models take a level
 * (`reasoning_effort`). We refuse at validation what the API would refuse at call time, so a filter
 * never reaches a job that fails on its first article. Defaults are the cheapest setting each family
 * allows: thinking tokens are billed as output and count against the output limit.
 */
import { z } from "zod";

export const oracleProviderSchema = z.enum(["gemini", "openai"]);
export type OracleProvider = z.infer<typeof oracleProviderSchema>;

export const thinkingLevelSchema = z.enum(["minimal", "low", "medium", "high"]);
export type ThinkingLevel = z.infer<typeof thinkingLevelSchema>;

/** A token budget (-1: the model decides; 0: off) or a level. */
export const thinkingSchema = z.union([z.number().int().min(-1), thinkingLevelSchema]);
export type Thinking = z.infer<typeof thinkingSchema>;

type BudgetRule = { kind: "budget"; min: number; max: number; canDisable: boolean; default: number };
type LevelRule = { kind: "level"; levels: readonly ThinkingLevel[]; default: ThinkingLevel | null };
type NoThinking = { kind: "none" };
export type ThinkingRule = BudgetRule | LevelRule | NoThinking;

export type ModelFamily = { family: string; thinking: ThinkingRule; outputLimit: number };

/** Gemini families by model-name prefix (longest first wins); limits from Google's model pages. */
const GEMINI_FAMILIES: Record<string, ModelFamily> = {
  "gemini-2.5-pro": {
    family: "gemini-2.5-pro",
    thinking: { kind: "budget", min: 128, max: 32_768, canDisable: false, default: 128 },
    outputLimit: 65_536,
  },
  "gemini-2.5-flash-lite": {
    family: "gemini-2.5-flash-lite",
    thinking: { kind: "budget", min: 512, max: 24_576, canDisable: true, default: 0 },
    outputLimit: 65_536,
  },
  "gemini-2.5-flash": {
    family: "gemini-2.5-flash",
    thinking: { kind: "budget", min: 1, max: 24_576, canDisable: true, default: 0 },
    outputLimit: 65_536,
  },
  "gemini-3-pro": {
    family: "gemini-3-pro",
    thinking: { kind: "level", levels: ["low", "high"], default: "low" },
    outputLimit: 65_536,
  },
  "gemini-3-flash": {
    family: "gemini-3-flash",
    thinking: { kind: "level", levels: ["minimal", "low", "medium", "high"], default: "minimal" },
    outputLimit: 65_536,
  },
  "gemini-2.0": { family: "gemini-2.0", thinking: { kind: "none" }, outputLimit: 8_192 },
};

/** An unknown Gemini model is taken to think like 2.5 Flash (the newest family that takes budgets). */
const GEMINI_FALLBACK = GEMINI_FAMILIES["gemini-2.5-flash"]!;

/**
 * OpenAI-compatible endpoints: a level is sent as `reasoning_effort` (reasoning models only; the
 * endpoint refuses it for others), nothing by default. The output limit is the endpoint's.
 */
const OPENAI_COMPATIBLE: ModelFamily = {
  family: "openai-compatible",
  thinking: { kind: "level", levels: ["minimal", "low", "medium", "high"], default: null },
  outputLimit: 32_768,
};

/**
 * The family of `model` under `provider`.
 * @example
 * modelFamily("gemini", "models/gemini-2.5-flash-lite").thinking // { kind: "budget", min: 512, ... }
 */
export function modelFamily(provider: OracleProvider, model: string): ModelFamily {
  if (provider === "openai") return OPENAI_COMPATIBLE;
  const name = model.replace(/^models\//, "");
  const prefix = Object.keys(GEMINI_FAMILIES)
    .filter((key) => name.startsWith(key))
    .sort((a, b) => b.length - a.length)[0];
  return prefix ? GEMINI_FAMILIES[prefix]! : GEMINI_FALLBACK;
}

/** Why `thinking` is not accepted by the model, or null when it is. */
export function thinkingProblem(provider: OracleProvider, model: string, thinking: Thinking): string | null {
  const { family, thinking: rule } = modelFamily(provider, model);
  if (rule.kind === "none") {
    return thinking === 0 ? null : `${family} does not think; remove 'thinking' or set it to 0`;
  }
  if (rule.kind === "level") {
    if (typeof thinking === "number")
      return `${family} takes a thinking level (${rule.levels.join(", ")}), not a token budget`;
    return rule.levels.includes(thinking)
      ? null
      : `${family} does not take level '${thinking}' (it takes ${rule.levels.join(", ")})`;
  }
  if (typeof thinking === "string")
    return `${family} takes a thinking budget in tokens (${budgetRange(rule)}), not a level`;
  if (thinking === -1 || (thinking >= rule.min && thinking <= rule.max)) return null;
  if (thinking === 0 && rule.canDisable) return null;
  if (thinking === 0) return `${family} cannot turn thinking off: use a budget in ${budgetRange(rule)}`;
  return `budget ${thinking} is outside what ${family} takes (${budgetRange(rule)})`;
}

function budgetRange(rule: BudgetRule): string {
  return `${rule.canDisable ? "0 (off), " : ""}${rule.min}-${rule.max}, or -1 (dynamic)`;
}

/** The thinking setting a model gets when none is given: the cheapest it allows (null: send none). */
export function defaultThinking(provider: OracleProvider, model: string): Thinking | null {
  const { thinking: rule } = modelFamily(provider, model);
  if (rule.kind === "none") return null;
  return rule.default;
}

/**
 * Thinking tokens a call is planned to use, for estimates and budget reservations. A budget is taken
 * at its ceiling (the model may use all of it); dynamic thinking and levels at an assumed typical
 * use for a news article (our planning figures, not Google's; the ledger records what was billed).
 */
export const PLANNED_THINKING_TOKENS: Record<ThinkingLevel | "dynamic", number> = {
  minimal: 64,
  low: 1_024,
  medium: 4_096,
  high: 8_192,
  dynamic: 8_192,
};

export function plannedThinkingTokens(thinking: Thinking | null): number {
  if (thinking === null || thinking === 0) return 0;
  if (thinking === -1) return PLANNED_THINKING_TOKENS.dynamic;
  return typeof thinking === "number" ? thinking : PLANNED_THINKING_TOKENS[thinking];
}
