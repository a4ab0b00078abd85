/**
 * @module
 * The OpenAI-compatible transport: one `chat.completions.create` call through the official `openai`
 * SDK against any compatible endpoint (OpenAI, DeepSeek, vLLM, Ollama; base URL is configuration).
 * The filter's instructions are the system message (a fixed prefix, so endpoints that cache prompt
 * prefixes can), the article the user message. The answer is constrained with `response_format:
 * json_schema` where the endpoint takes it; an endpoint that refuses it (DeepSeek, older servers)
 * gets `json_object` with the schema written into the instructions, and the same repair and
 * validation read the answer either way. Endpoints also disagree on the output-limit field
 * (`max_tokens`, or `max_completion_tokens` for OpenAI's reasoning models) and on `temperature`
 * (reasoning models take only the default): each refusal is remembered per endpoint and model, so it
 * costs one unbilled 400 per isolate, not one per article.
 */
import {
  jsonResponseSchema,
  type ResolvedOracle,
  renderOraclePrompt,
  type TokenUsage,
} from "@distillery/shared";
import OpenAI from "openai";
import type { FinishKind, OracleTransport, TransportReply, TransportRequest } from "./transport";

/** Where the local OpenAI-compatible stand-in listens by default (`npx tsx tests/standins/openai/main.ts`). */
export const OPENAI_STANDIN_DEFAULT_URL = "http://127.0.0.1:8824/v1";

export const OPENAI_STANDIN_BANNER =
  "No OPENAI_API_KEY is set: labels come from the local OpenAI-compatible stand-in (deterministic test answers, not a real model).";

export type OpenAISettings = { apiKey?: string; baseUrl?: string };

type Completion = OpenAI.Chat.Completions.ChatCompletion;
type Usage = NonNullable<Completion["usage"]> & {
  /** DeepSeek reports its cache this way instead of `prompt_tokens_details`. */
  prompt_cache_hit_tokens?: number;
};

/** What each model's endpoint refused, learnt from its 400s. */
type Quirks = { noJsonSchema: boolean; maxCompletionTokens: boolean; noTemperature: boolean };
const quirksByEndpoint = new Map<string, Quirks>();

function quirksFor(baseUrl: string, model: string): Quirks {
  const key = `${baseUrl} ${model}`;
  let quirks = quirksByEndpoint.get(key);
  if (!quirks) {
    quirks = { noJsonSchema: false, maxCompletionTokens: false, noTemperature: false };
    quirksByEndpoint.set(key, quirks);
  }
  return quirks;
}

/** Input, cached, output (answer + reasoning) and reasoning tokens of a chat completion. */
export function openaiUsageTokens(usage: Usage | undefined): TokenUsage {
  const thinking = usage?.completion_tokens_details?.reasoning_tokens ?? 0;
  return {
    input: usage?.prompt_tokens ?? 0,
    cached: usage?.prompt_tokens_details?.cached_tokens ?? usage?.prompt_cache_hit_tokens ?? 0,
    output: usage?.completion_tokens ?? 0,
    thinking,
  };
}

export function finishKind(
  reason: string | null | undefined,
  refusal: string | null | undefined,
): FinishKind {
  if (refusal || reason === "content_filter") return "blocked";
  return reason === "length" ? "length" : "stop";
}

type BodyRequest = Pick<TransportRequest, "filter" | "article" | "oracle" | "maxOutputTokens">;

function body(request: BodyRequest, quirks: Quirks) {
  const { filter, article, oracle, maxOutputTokens } = request;
  const prompt = renderOraclePrompt(filter, article);
  const schema = jsonResponseSchema(filter);
  const system = quirks.noJsonSchema
    ? // Fenced and last, so neither a model nor a parser takes an example earlier in the filter's prompt for it.
      `${prompt.prefix}\n\nAnswer with one JSON object that matches this JSON Schema, and nothing else:\n\`\`\`json\n${JSON.stringify(schema)}\n\`\`\``
    : prompt.prefix;
  return {
    model: oracle.model,
    messages: [
      { role: "system" as const, content: system },
      { role: "user" as const, content: prompt.article },
    ],
    ...(quirks.noTemperature ? {} : { temperature: filter.oracle.temperature }),
    ...(quirks.maxCompletionTokens
      ? { max_completion_tokens: maxOutputTokens }
      : { max_tokens: maxOutputTokens }),
    ...reasoning(oracle),
    response_format: quirks.noJsonSchema
      ? { type: "json_object" as const }
      : { type: "json_schema" as const, json_schema: { name: "oracle_answer", schema, strict: true } },
  };
}

function reasoning(oracle: ResolvedOracle) {
  return typeof oracle.thinking === "string" ? { reasoning_effort: oracle.thinking } : {};
}

/**
 * Learns from a 400 that names a parameter we can do without (`param`, or the message for servers
 * that leave it out); true when the call is worth sending again adapted. `sent` is what this call was
 * built with: a call in flight while another learnt the same refusal still gets its retry. Anything
 * else is a real refusal and fails the article.
 */
function learnFrom(error: unknown, sent: Quirks, quirks: Quirks): boolean {
  if (!(error instanceof OpenAI.BadRequestError)) return false;
  const param = typeof error.param === "string" ? error.param : "";
  const said = `${param} ${error.message}`;
  if (!sent.maxCompletionTokens && /\bmax_tokens\b/.test(said)) {
    quirks.maxCompletionTokens = true;
    return true;
  }
  if (!sent.noTemperature && /\btemperature\b/.test(said)) {
    quirks.noTemperature = true;
    return true;
  }
  if (!sent.noJsonSchema && /response_format|json_schema/i.test(said)) {
    quirks.noJsonSchema = true;
    return true;
  }
  return false;
}

/** An SDK client for the endpoint (the stand-in when no key is set); retries are ours (retry.ts). */
export function openaiClient(settings: OpenAISettings): OpenAI {
  const baseUrl = settings.baseUrl ?? OPENAI_STANDIN_DEFAULT_URL;
  return new OpenAI({ apiKey: settings.apiKey ?? "local-standin", baseURL: baseUrl, maxRetries: 0 });
}

/**
 * The chat-completions body for one article as an interactive call would send it now (with what the
 * endpoint refused so far): the `body` of a Batch API line, where no 400 can be learnt from and retried.
 */
export function openaiChatBody(settings: OpenAISettings, request: BodyRequest) {
  const quirks = quirksFor(settings.baseUrl ?? OPENAI_STANDIN_DEFAULT_URL, request.oracle.model);
  return body(request, { ...quirks });
}

/**
 * A transport over one OpenAI-compatible endpoint (the stand-in when no key is set).
 * @example
 * const transport = openaiTransport({ apiKey, baseUrl: "https://api.deepseek.com" });
 */
export function openaiTransport(settings: OpenAISettings): OracleTransport {
  const baseUrl = settings.baseUrl ?? OPENAI_STANDIN_DEFAULT_URL;
  const client = openaiClient(settings);
  return {
    provider: "openai",
    async generate(request: TransportRequest): Promise<TransportReply> {
      const quirks = quirksFor(baseUrl, request.oracle.model);
      for (;;) {
        const sent = { ...quirks };
        try {
          const completion = (await client.chat.completions.create(body(request, sent), {
            timeout: request.timeoutMs,
          })) as Completion;
          const choice = completion.choices[0];
          const tokens = openaiUsageTokens(completion.usage as Usage | undefined);
          if (!choice) return { text: "", tokens, finish: "blocked", detail: "no choice" };
          const finish = finishKind(choice.finish_reason, choice.message.refusal);
          const detail = choice.message.refusal ?? choice.finish_reason;
          return { text: choice.message.content ?? "", tokens, finish, detail };
        } catch (error) {
          if (learnFrom(error, sent, quirks)) continue;
          const retryAfter = error instanceof OpenAI.APIError ? error.headers?.get("retry-after") : null;
          if (retryAfter) request.onRetryAfter(retryAfter);
          throw error;
        }
      }
    },
  };
}
