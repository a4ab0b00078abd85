/**
 * @module
 * OpenAI-style error answers of the stand-in: the `{ error: { message, type, param, code } }` body
 * every OpenAI-compatible API returns, with the headers the SDK reads (`retry-after` and the
 * `x-ratelimit-*` family on 429), and the transport faults shared with the Gemini stand-in mapped to
 * the statuses and wording OpenAI uses.
 */
import type { FaultKind } from "../gemini/faults";

export type OpenAIError = { status: number; body: unknown; headers: Record<string, string> };

type ErrorFields = {
  type?: string;
  param?: string | null;
  code?: string | null;
  headers?: Record<string, string>;
};

/** An OpenAI error answer. */
export function openAIError(status: number, message: string, fields: ErrorFields = {}): OpenAIError {
  const { type = "invalid_request_error", param = null, code = null, headers = {} } = fields;
  return { status, body: { error: { message, type, param, code } }, headers };
}

/** The 400 of a request the API refuses before answering. */
export function invalidRequest(message: string, param: string | null = null, code: string | null = null) {
  return openAIError(400, message, { param, code });
}

/** The error a transport fault produces, or null for content faults. */
export function transportError(kind: FaultKind, retryAfterS: number): OpenAIError | null {
  switch (kind) {
    case "rate_limit":
      return openAIError(
        429,
        `Rate limit reached for requests on requests per min (RPM): Limit 500, Used 500, Requested 1. Please try again in ${retryAfterS}s.`,
        {
          type: "requests",
          code: "rate_limit_exceeded",
          headers: {
            "retry-after": String(retryAfterS),
            "x-ratelimit-limit-requests": "500",
            "x-ratelimit-remaining-requests": "0",
            "x-ratelimit-reset-requests": `${retryAfterS}s`,
          },
        },
      );
    case "server_error":
      return openAIError(500, "The server had an error while processing your request. Sorry about that!", {
        type: "server_error",
      });
    case "unavailable":
      return openAIError(503, "The engine is currently overloaded, please try again later.", {
        type: "server_error",
      });
    case "bad_request":
      return invalidRequest("We could not parse the JSON body of your request.");
    case "forbidden":
      return openAIError(403, "You are not allowed to access this model.", { code: "model_not_allowed" });
    default:
      return null;
  }
}
