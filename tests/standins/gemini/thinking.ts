/**
 * @module
 * Thinking and output limits of the Gemini stand-in, per model, the way the real API enforces them:
 * which `thinkingBudget` values and `thinkingLevel`s a model accepts (the rest are 400
 * INVALID_ARGUMENT with the API's wording), what it does when `thinkingConfig` is absent, how many
 * thought tokens an answer costs (deterministic from the article, so tests can predict bills) and the
 * default `maxOutputTokens`, which thoughts count against. Model names match by longest prefix;
 * names the table does not know behave like `gemini-2.5-flash`.
 */
import { estimateTokens, hash32 } from "./answer";

/** `generationConfig.thinkingConfig` as REST sends it. */
export type ThinkingConfig = { thinkingBudget?: number; thinkingLevel?: string; includeThoughts?: boolean };

type BudgetRange = { min: number; max: number; allowsZero: boolean };

type ModelThinking = {
  /** Budgets accepted; undefined when the model cannot think at all. */
  budget?: BudgetRange;
  /** Levels accepted (lower case); undefined for models that only take budgets. */
  levels?: readonly string[];
  /** What an absent `thinkingConfig` means. */
  fallback: ThinkingPlan;
  defaultMaxOutputTokens: number;
};

/** How a call thinks: not at all, up to a budget, as much as it likes (`dynamic`), or at a level. */
export type ThinkingPlan =
  | { mode: "off" }
  | { mode: "budget"; budget: number }
  | { mode: "dynamic" }
  | { mode: "level"; level: string };

const GEMINI_3_LEVELS = { FLASH: ["minimal", "low", "medium", "high"], PRO: ["low", "high"] } as const;

const MODEL_THINKING: Record<string, ModelThinking> = {
  "gemini-2.5-pro": {
    budget: { min: 128, max: 32_768, allowsZero: false },
    fallback: { mode: "dynamic" },
    defaultMaxOutputTokens: 65_536,
  },
  "gemini-2.5-flash": {
    budget: { min: 1, max: 24_576, allowsZero: true },
    fallback: { mode: "dynamic" },
    defaultMaxOutputTokens: 65_536,
  },
  "gemini-2.5-flash-lite": {
    budget: { min: 512, max: 24_576, allowsZero: true },
    fallback: { mode: "off" },
    defaultMaxOutputTokens: 65_536,
  },
  "gemini-3-pro": {
    budget: { min: 128, max: 32_768, allowsZero: false },
    levels: GEMINI_3_LEVELS.PRO,
    fallback: { mode: "level", level: "high" },
    defaultMaxOutputTokens: 65_536,
  },
  "gemini-3-flash": {
    budget: { min: 1, max: 24_576, allowsZero: true },
    levels: GEMINI_3_LEVELS.FLASH,
    fallback: { mode: "level", level: "high" },
    defaultMaxOutputTokens: 65_536,
  },
  "gemini-2.0": { fallback: { mode: "off" }, defaultMaxOutputTokens: 8_192 },
  "gemini-1.5": { fallback: { mode: "off" }, defaultMaxOutputTokens: 8_192 },
  "gemini-1.0": { fallback: { mode: "off" }, defaultMaxOutputTokens: 8_192 },
};

const DEFAULT_MODEL = "gemini-2.5-flash";

/** The table entry whose name is the longest prefix of `model` (`models/` stripped). */
export function longestPrefixMatch<T>(table: Record<string, T>, model: string): T | undefined {
  const name = model.replace(/^models\//, "");
  let best: string | undefined;
  for (const prefix of Object.keys(table)) {
    if (name.startsWith(prefix) && (best === undefined || prefix.length > best.length)) best = prefix;
  }
  return best === undefined ? undefined : table[best];
}

function rulesFor(model: string): ModelThinking {
  return longestPrefixMatch(MODEL_THINKING, model) ?? (MODEL_THINKING[DEFAULT_MODEL] as ModelThinking);
}

/** `LOW`, `low` and `THINKING_LEVEL_LOW` all mean `low`. */
export function normalizeLevel(level: string): string {
  return level.toLowerCase().replace(/^thinking_level_/, "");
}

/** The plan for a call, or the API's 400 message when the model refuses `config`. */
export function resolveThinking(
  model: string,
  config: ThinkingConfig | undefined,
): { plan: ThinkingPlan } | { error: string } {
  const rules = rulesFor(model);
  const budget = config?.thinkingBudget ?? undefined;
  const rawLevel = config?.thinkingLevel ? normalizeLevel(config.thinkingLevel) : undefined;
  const level = rawLevel === "unspecified" ? undefined : rawLevel;
  if (budget !== undefined && level !== undefined) {
    return { error: "You can only set one of thinking budget and thinking level." };
  }
  if (level !== undefined) {
    if (!rules.budget) return { error: "Thinking is not supported for this model." };
    if (!rules.levels) return { error: "Thinking level is not supported for this model." };
    if (!rules.levels.includes(level)) {
      return {
        error: `Thinking level ${level.toUpperCase()} is not supported for this model. Supported levels: ${rules.levels.join(", ").toUpperCase()}.`,
      };
    }
    return { plan: { mode: "level", level } };
  }
  if (budget === undefined) return { plan: rules.fallback };
  if (!rules.budget) {
    return budget === 0 ? { plan: { mode: "off" } } : { error: "Thinking is not supported for this model." };
  }
  if (budget === -1) return { plan: { mode: "dynamic" } };
  const { min, max, allowsZero } = rules.budget;
  if (budget === 0) {
    return allowsZero
      ? { plan: { mode: "off" } }
      : { error: "Budget 0 is invalid. This model only works in thinking mode." };
  }
  if (!Number.isInteger(budget) || budget < min || budget > max) {
    const range = allowsZero && min > 1 ? `0 or ${min} to ${max}` : `${allowsZero ? 0 : min} to ${max}`;
    return { error: `The thinking budget ${budget} is invalid. Please choose a value between ${range}.` };
  }
  return { plan: { mode: "budget", budget } };
}

const LEVEL_TOKENS: Record<string, number> = { low: 400, medium: 1_500, high: 4_000 };

/**
 * Thought tokens a call spends on `article` (0 when thinking is off). Longer articles think longer;
 * a small hash of the article adds jitter so counts are not all round numbers.
 */
export function thoughtTokens(model: string, plan: ThinkingPlan, article: string): number {
  const jitter = hash32(`thoughts\u0000${article}`) % 65;
  const wanted = 300 + Math.ceil(estimateTokens(article) / 2) + jitter;
  switch (plan.mode) {
    case "off":
      return 0;
    case "budget":
      return Math.min(plan.budget, wanted);
    case "dynamic":
      return Math.min(wanted, rulesFor(model).budget?.max ?? wanted);
    case "level":
      return plan.level === "minimal" ? jitter : (LEVEL_TOKENS[plan.level] ?? 4_000) + jitter;
  }
}

/** `maxOutputTokens` when the request leaves it unset. */
export function defaultMaxOutputTokens(model: string): number {
  return rulesFor(model).defaultMaxOutputTokens;
}
