/**
 * @module
 * The Gemini API stand-in for tests and benchmarks: start it, point `@google/genai` at its URL,
 * read its counters. See README.md beside this file.
 */
export { articleKey, estimateTokens, standinScore } from "./answer";
export { DEFAULT_FAULT_SETTINGS, FAULT_KINDS, type FaultKind, type FaultSettings } from "./faults";
export { type PerModel, type ScoreKnobs, ScorePerturber } from "./knobs";
export {
  type GeminiStandin,
  type GeminiStandinOptions,
  type StandinSettings,
  startGeminiStandin,
} from "./server";
export type { StandinSummary } from "./stats";
export { normalizeLevel, resolveThinking, type ThinkingPlan, thoughtTokens } from "./thinking";
