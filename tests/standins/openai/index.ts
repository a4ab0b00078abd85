/**
 * @module
 * The OpenAI-compatible chat-completions stand-in for tests and benchmarks: start it, point the
 * `openai` SDK at `${url}/v1`, read its counters. See README.md beside this file.
 */
export { splitMessages } from "./completion";
export { DEFAULT_MODELS, DEFAULT_NO_JSON_SCHEMA, modelTraits } from "./models";
export { type OpenAIStandin, type OpenAIStandinOptions, startOpenAIStandin } from "./server";
