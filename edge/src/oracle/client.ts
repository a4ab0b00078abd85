/**
 * @module
 * The Gemini client the edge uses, built from its configuration. `@google/genai` is Google's
 * maintained SDK (its predecessor `@google/generative-ai` is deprecated and has no Batch Mode). With
 * no `GEMINI_API_KEY`, calls go to the local stand-in (`GEMINI_BASE_URL`, default
 * http://127.0.0.1:8820) and results say so.
 */
import { GoogleGenAI } from "@google/genai";

/** Where the local Gemini stand-in listens by default (`npx tsx tests/standins/gemini/main.ts`). */
export const STANDIN_DEFAULT_URL = "http://127.0.0.1:8820";

export const STANDIN_BANNER =
  "No GEMINI_API_KEY is set: labels come from the local Gemini stand-in (deterministic test answers, not a real model).";

export type GeminiSettings = { GEMINI_API_KEY?: string; GEMINI_BASE_URL?: string };

export type GeminiConnection = { ai: GoogleGenAI; usesStandin: boolean; baseUrl: string | null };

/**
 * A client for the real API (key set) or the stand-in (no key).
 * @example
 * const { ai, usesStandin } = geminiClient(config);
 */
export function geminiClient(settings: GeminiSettings): GeminiConnection {
  const usesStandin = !settings.GEMINI_API_KEY;
  const baseUrl = settings.GEMINI_BASE_URL ?? (usesStandin ? STANDIN_DEFAULT_URL : null);
  const ai = new GoogleGenAI({
    apiKey: settings.GEMINI_API_KEY ?? "local-standin",
    apiVersion: "v1beta",
    ...(baseUrl ? { httpOptions: { baseUrl } } : {}),
  });
  return { ai, usesStandin, baseUrl };
}
