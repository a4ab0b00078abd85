/**
 * @module
 * One `generateContent` answer of the Gemini stand-in, as the real API shapes it: candidates with
 * the JSON text, `finishReason`, and `usageMetadata` whose `cachedContentTokenCount` reports the
 * repeated prefix (system instruction and every part before the article) once it was seen before,
 * like Gemini's implicit caching, and `thoughtsTokenCount` when the model thinks (see thinking.ts).
 * Thoughts and answer share `maxOutputTokens`; an answer that does not fit is cut, as the API does.
 * Transport faults and refused configs become Google-style error bodies
 * (`{ error: { code, message, status, details } }`, RetryInfo on 429).
 */
import { randomUUID } from "node:crypto";
import { articleKey, estimateTokens, type GeminiSchema, type ScoringMode, valueForSchema } from "./answer";
import { corruptText, type FaultKind } from "./faults";
import type { ScorePerturber } from "./knobs";
import {
  defaultMaxOutputTokens,
  resolveThinking,
  type ThinkingConfig,
  type ThinkingPlan,
  thoughtTokens,
} from "./thinking";

type Part = { text?: string };
type Content = { role?: string; parts?: Part[] };

/** The fields of a `GenerateContentRequest` the stand-in reads. */
export type GenerateContentRequest = {
  contents?: Content[];
  systemInstruction?: Content | string;
  generationConfig?: {
    responseMimeType?: string;
    responseSchema?: GeminiSchema;
    responseJsonSchema?: GeminiSchema;
    temperature?: number;
    maxOutputTokens?: number;
    thinkingConfig?: ThinkingConfig;
  };
};

/** A prompt split the way the stand-in keys and caches it. */
export type SplitPrompt = { prefix: string; article: string; key: string };

/** Everything before the last text part is the prefix; the last text part is the article. */
export function splitPrompt(request: GenerateContentRequest): SplitPrompt {
  const texts: string[] = [];
  const system = request.systemInstruction;
  if (typeof system === "string") texts.push(system);
  else for (const part of system?.parts ?? []) if (part.text) texts.push(part.text);
  for (const content of request.contents ?? [])
    for (const part of content.parts ?? []) texts.push(part.text ?? "");
  const article = texts.pop() ?? "";
  return { prefix: texts.join("\n"), article, key: articleKey(article) };
}

export type GoogleError = { status: number; body: unknown; headers: Record<string, string> };

const STATUS_NAMES: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  503: "UNAVAILABLE",
};

/** A Google API error body. */
export function googleError(code: number, message: string, retryAfterS?: number): GoogleError {
  const details: unknown[] = [];
  const headers: Record<string, string> = {};
  if (retryAfterS !== undefined) {
    details.push({ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: `${retryAfterS}s` });
    headers["retry-after"] = String(retryAfterS);
  }
  return {
    status: code,
    body: { error: { code, message, status: STATUS_NAMES[code] ?? "UNKNOWN", details } },
    headers,
  };
}

/** The error a transport fault produces, or null for content faults. */
export function transportError(kind: FaultKind, retryAfterS: number): GoogleError | null {
  switch (kind) {
    case "rate_limit":
      return googleError(
        429,
        "You exceeded your current quota, please check your plan and billing details.",
        retryAfterS,
      );
    case "server_error":
      return googleError(500, "An internal error has occurred. Please retry or report.");
    case "unavailable":
      return googleError(503, "The model is overloaded. Please try again later.");
    case "bad_request":
      return googleError(400, "Request contains an invalid argument.");
    case "forbidden":
      return googleError(403, "Permission denied: the API key has no access to this model.");
    default:
      return null;
  }
}

/** The 400 the real API answers before generating anything, or null when the request is acceptable. */
export function requestError(request: GenerateContentRequest, model: string): GoogleError | null {
  const config = request.generationConfig ?? {};
  const thinking = resolveThinking(model, config.thinkingConfig);
  if ("error" in thinking) return googleError(400, thinking.error);
  const limit = config.maxOutputTokens;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    return googleError(400, `max_output_tokens must be positive, got ${limit}.`);
  }
  return null;
}

/**
 * What answers depend on beyond the request: prompt prefixes seen (for cached-token counts), the
 * scoring mode (`hash`: scores spread over tiers at random; `lexical`: learnable from the wording)
 * and the bias/noise knobs.
 */
export type AnswerContext = {
  seenPrefixes: Set<string>;
  minCacheTokens: number;
  scoring?: ScoringMode;
  knobs?: ScorePerturber;
};

/** The JSON (or plain) text a good answer holds, before faults and output limits. */
function answerText(request: GenerateContentRequest, model: string, article: string, cache: AnswerContext) {
  const config = request.generationConfig ?? {};
  const schema = config.responseSchema ?? config.responseJsonSchema;
  if (!schema) return `Stand-in answer for an article of ${article.length} characters.`;
  const value = valueForSchema(schema, article, [], cache.scoring, cache.knobs?.adjusterFor(model, article));
  return JSON.stringify(value, null, 2);
}

/**
 * The 200 body of a `generateContent` call, with `fault` applied when it is a content fault. Thought
 * tokens count against `maxOutputTokens`; when they and the answer do not fit, the answer is cut to
 * the tokens left (maybe to nothing: then the content has no parts) and `finishReason` is MAX_TOKENS.
 * Call `requestError` first: an unacceptable thinking config answers the model's fallback here.
 */
export function generateAnswer(
  request: GenerateContentRequest,
  model: string,
  fault: FaultKind | null,
  cache: AnswerContext,
): Record<string, unknown> {
  const { prefix, article } = splitPrompt(request);
  const config = request.generationConfig ?? {};
  const prefixTokens = estimateTokens(prefix);
  const promptTokenCount = prefixTokens + estimateTokens(article);
  const cached = cache.seenPrefixes.has(prefix) && prefixTokens >= cache.minCacheTokens ? prefixTokens : 0;
  if (prefix) cache.seenPrefixes.add(prefix);
  const resolved = resolveThinking(model, config.thinkingConfig);
  const plan: ThinkingPlan = "plan" in resolved ? resolved.plan : { mode: "off" };
  const limit = config.maxOutputTokens ?? defaultMaxOutputTokens(model);
  const thoughts = Math.min(limit, thoughtTokens(model, plan, article));
  const usage = (candidates: number) => ({
    promptTokenCount,
    candidatesTokenCount: candidates,
    totalTokenCount: promptTokenCount + candidates + thoughts,
    ...(cached > 0 ? { cachedContentTokenCount: cached } : {}),
    promptTokensDetails: [{ modality: "TEXT", tokenCount: promptTokenCount }],
    ...(cached > 0 ? { cacheTokensDetails: [{ modality: "TEXT", tokenCount: cached }] } : {}),
    ...(thoughts > 0 ? { thoughtsTokenCount: thoughts } : {}),
  });
  const base = { modelVersion: model, responseId: randomUUID().replaceAll("-", "").slice(0, 22) };
  if (fault === "safety") {
    return {
      candidates: [
        {
          finishReason: "SAFETY",
          index: 0,
          safetyRatings: [
            { category: "HARM_CATEGORY_DANGEROUS_CONTENT", probability: "HIGH", blocked: true },
          ],
        },
      ],
      usageMetadata: usage(0),
      ...base,
    };
  }
  let text = answerText(request, model, article, cache);
  if (fault) text = corruptText(fault, text);
  const tokensLeft = limit - thoughts;
  const cut = estimateTokens(text) > tokensLeft;
  if (cut) text = text.slice(0, tokensLeft * 4);
  const content = text ? { parts: [{ text }], role: "model" } : { role: "model" };
  return {
    candidates: [{ content, finishReason: cut ? "MAX_TOKENS" : "STOP", index: 0, avgLogprobs: -0.05 }],
    usageMetadata: usage(estimateTokens(text)),
    ...base,
  };
}
