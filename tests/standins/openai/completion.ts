/**
 * @module
 * One `POST /v1/chat/completions` of the OpenAI-compatible stand-in: the request fields it reads, the
 * 400s the providers answer before generating (unsupported parameters, response formats a model does
 * not take, strict schemas it cannot enforce, `json_object` without the word "json"), and the
 * `chat.completion` body. The answer comes from the Gemini stand-in's generator, so both providers
 * score an article alike unless the bias/noise knobs say otherwise. Reasoning tokens count in
 * `completion_tokens` and against the limit; an answer that does not fit is cut (`finish_reason:
 * "length"`). The last user message is the article; every message before it is the cached prefix.
 */
import { randomUUID } from "node:crypto";
import { articleKey, estimateTokens, type ScoringMode, valueForSchema } from "../gemini/answer";
import { corruptText, type FaultKind } from "../gemini/faults";
import type { ScorePerturber } from "../gemini/knobs";
import { thoughtTokens } from "../gemini/thinking";
import { invalidRequest, type OpenAIError, openAIError } from "./errors";
import { modelTraits, supportsJsonSchema } from "./models";
import { type JsonSchema, schemaInPrompt, strictSchemaProblem, toGeminiSchema } from "./schema";

type ContentPart = { type?: string; text?: string };
type Message = { role?: string; content?: string | ContentPart[] | null };

/** The fields of a chat completion request the stand-in reads. */
export type ChatCompletionRequest = {
  model?: string;
  messages?: Message[];
  response_format?: {
    type?: string;
    json_schema?: { name?: string; schema?: JsonSchema; strict?: boolean | null };
  };
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  temperature?: number | null;
  reasoning_effort?: string | null;
};

/** What a call's checks and answers depend on beyond the request. */
export type CompletionContext = {
  models: readonly string[];
  noJsonSchema: readonly string[];
  seenPrefixes: Set<string>;
  minCacheTokens: number;
  scoring: ScoringMode;
  knobs: ScorePerturber;
};

const EFFORTS = ["none", "minimal", "low", "medium", "high"];

function textOf(message: Message): string {
  if (typeof message.content === "string") return message.content;
  return (message.content ?? []).map((part) => part.text ?? "").join("\n");
}

/** The article (last user message), the prefix (every message before it) and the article's key. */
export function splitMessages(request: ChatCompletionRequest) {
  const messages = request.messages ?? [];
  let last = messages.length - 1;
  while (last >= 0 && messages[last]?.role !== "user") last--;
  const article = last >= 0 ? textOf(messages[last] as Message) : "";
  const prefix = messages.slice(0, Math.max(last, 0)).map(textOf).join("\n");
  return { prefix, article, key: articleKey(article) };
}

/** The error the provider answers before generating, or null when it would answer. */
export function requestError(request: ChatCompletionRequest, context: CompletionContext): OpenAIError | null {
  const model = request.model;
  if (!model) return invalidRequest("you must provide a model parameter", null, null);
  if (!context.models.includes(model)) {
    return openAIError(404, `The model \`${model}\` does not exist or you do not have access to it.`, {
      code: "model_not_found",
    });
  }
  if (!request.messages?.length) {
    return invalidRequest(
      "Missing required parameter: 'messages'.",
      "messages",
      "missing_required_parameter",
    );
  }
  const traits = modelTraits(model);
  const unsupported = (param: string, extra = "") =>
    invalidRequest(
      `Unsupported parameter: '${param}' is not supported with this model.${extra}`,
      param,
      "unsupported_parameter",
    );
  if (traits.openAIReasoning && request.max_tokens != null) {
    return unsupported("max_tokens", " Use 'max_completion_tokens' instead.");
  }
  const temperature = request.temperature;
  if (traits.openAIReasoning && temperature != null && temperature !== 1) {
    return invalidRequest(
      `Unsupported value: 'temperature' does not support ${temperature} with this model. Only the default (1) value is supported.`,
      "temperature",
      "unsupported_value",
    );
  }
  const effort = request.reasoning_effort;
  if (effort != null) {
    if (!traits.reasoning) return unsupported("reasoning_effort");
    if (!EFFORTS.includes(effort)) {
      return invalidRequest(
        `Invalid value: '${effort}'. Supported values are: 'minimal', 'low', 'medium', and 'high'.`,
        "reasoning_effort",
        "invalid_value",
      );
    }
  }
  const limit = request.max_completion_tokens ?? request.max_tokens;
  if (limit != null && (!Number.isInteger(limit) || limit < 1)) {
    return invalidRequest(`Invalid 'max_completion_tokens': expected a positive integer, got ${limit}.`);
  }
  return formatError(request, model, context);
}

function formatError(request: ChatCompletionRequest, model: string, context: CompletionContext) {
  const format = request.response_format;
  if (format?.type === "json_schema") {
    if (!supportsJsonSchema(model, context.noJsonSchema)) {
      return invalidRequest("This response_format type is unavailable now", null, "invalid_request_error");
    }
    const spec = format.json_schema;
    if (!spec?.schema) {
      return invalidRequest(
        "Missing required parameter: 'response_format.json_schema'.",
        "response_format.json_schema",
        "missing_required_parameter",
      );
    }
    const problem = spec.strict ? strictSchemaProblem(spec.schema) : null;
    if (problem) {
      return invalidRequest(
        `Invalid schema for response_format '${spec.name ?? ""}': ${problem}`,
        "response_format",
      );
    }
  }
  if (format?.type === "json_object") {
    const mentionsJson = (request.messages ?? []).some((m) => /json/i.test(textOf(m)));
    if (!mentionsJson) {
      return invalidRequest(
        "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
        "messages",
      );
    }
  }
  return null;
}

function answerText(
  request: ChatCompletionRequest,
  model: string,
  article: string,
  context: CompletionContext,
) {
  const format = request.response_format;
  const schema =
    format?.type === "json_schema"
      ? format.json_schema?.schema
      : format?.type === "json_object"
        ? schemaInPrompt((request.messages ?? []).map(textOf).join("\n"))
        : undefined;
  if (schema) {
    const adjust = context.knobs.adjusterFor(model, article);
    return JSON.stringify(valueForSchema(toGeminiSchema(schema), article, [], context.scoring, adjust));
  }
  if (format?.type === "json_object") {
    return JSON.stringify({ answer: `Stand-in answer for an article of ${article.length} characters.` });
  }
  return `Stand-in answer for an article of ${article.length} characters.`;
}

function reasoningTokens(request: ChatCompletionRequest, model: string, article: string): number {
  if (!modelTraits(model).reasoning) return 0;
  const effort = request.reasoning_effort ?? "medium";
  if (effort === "none") return 0;
  if (model.startsWith("deepseek-")) return thoughtTokens(model, { mode: "dynamic" }, article);
  return thoughtTokens(model, { mode: "level", level: effort }, article);
}

/** The `chat.completion` body of a call that passed `requestError`, and whether its answer is usable. */
export function buildCompletion(
  request: ChatCompletionRequest,
  fault: FaultKind | null,
  context: CompletionContext,
): { body: Record<string, unknown>; usable: boolean } {
  const model = request.model ?? "";
  const traits = modelTraits(model);
  const { prefix, article } = splitMessages(request);
  const prefixTokens = estimateTokens(prefix);
  const promptTokens = prefixTokens + estimateTokens(article);
  const unit = traits.deepseek ? 64 : 128;
  const seen = context.seenPrefixes.has(prefix) && prefixTokens >= context.minCacheTokens;
  const cached = seen ? Math.floor(prefixTokens / unit) * unit : 0;
  if (prefix) context.seenPrefixes.add(prefix);
  const limit = request.max_completion_tokens ?? request.max_tokens ?? traits.defaultMaxTokens;
  const reasoning = Math.min(limit, reasoningTokens(request, model, article));

  let content: string | null = answerText(request, model, article, context);
  let refusal: string | null = null;
  let finish = "stop";
  if (fault === "safety") {
    content = null;
    refusal = "I'm sorry, but I can't assist with that request.";
  } else {
    if (fault) content = corruptText(fault, content);
    const left = limit - reasoning;
    if (estimateTokens(content) > left) {
      content = content.slice(0, left * 4);
      finish = "length";
    }
  }
  const completionTokens = reasoning + estimateTokens(content ?? "");
  const usage = {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: cached, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: reasoning,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
    ...(traits.deepseek
      ? { prompt_cache_hit_tokens: cached, prompt_cache_miss_tokens: promptTokens - cached }
      : {}),
  };
  const body = {
    id: `chatcmpl-${randomUUID().replaceAll("-", "").slice(0, 24)}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content, refusal, annotations: [] },
        logprobs: null,
        finish_reason: finish,
      },
    ],
    usage,
    service_tier: "default",
    system_fingerprint: "fp_standin",
  };
  const usable = (fault === null || fault === "slow") && finish === "stop";
  return { body, usable };
}
