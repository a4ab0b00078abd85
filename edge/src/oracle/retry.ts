/**
 * @module
 * Which oracle failures are worth retrying, and how long to wait. Transient: 408, 429, 5xx, timeouts
 * and network errors: retried with exponential backoff and full jitter, never sooner than the
 * server's Retry-After (header, or Google's RetryInfo `retryDelay` in the error body, which is where
 * the SDK's `ApiError` keeps it). Permanent: other 4xx (bad request, no access): the article fails
 * with the reason and is not retried. A small function rather than p-retry: the delay of each
 * attempt must come from the failed response, and tests need to inject the clock and randomness.
 */

export type FailureKind = "transient" | "permanent";

export type ClassifiedFailure = {
  kind: FailureKind;
  /** Stable reason code stored on the failed article, e.g. `oracle.rate_limited`. */
  code: string;
  message: string;
  status?: number;
  retryAfterMs?: number;
};

// Codes as `{ code }` objects, the shape the error-code registry's scan reads (tests/error-codes.test.ts).
const TRANSIENT_STATUS: Record<number, { code: string }> = {
  408: { code: "oracle.timeout" },
  429: { code: "oracle.rate_limited" },
  500: { code: "oracle.server_error" },
  502: { code: "oracle.server_error" },
  503: { code: "oracle.unavailable" },
  504: { code: "oracle.timeout" },
};

const PERMANENT_STATUS: Record<number, { code: string }> = {
  400: { code: "oracle.bad_request" },
  401: { code: "oracle.unauthorized" },
  403: { code: "oracle.forbidden" },
  404: { code: "oracle.model_not_found" },
};
const OTHER_CLIENT_ERROR = { code: "oracle.rejected" };

/** Reads `retryDelay: "7s"` (or "1.5s") from a Google error body embedded in a message. */
export function retryDelayFromMessage(message: string): number | undefined {
  const match = /"retryDelay"\s*:\s*"(\d+(?:\.\d+)?)s"/.exec(message);
  return match ? Math.round(Number(match[1]) * 1000) : undefined;
}

/** Parses a Retry-After header: seconds, or an HTTP date. */
export function retryAfterHeaderMs(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function shortMessage(message: string): string {
  const match = /"message"\s*:\s*"([^"]*)"/.exec(message);
  return (match?.[1] ?? message).slice(0, 300);
}

/**
 * Classifies what a Gemini call threw.
 * @example
 * classifyFailure(new ApiError({ status: 429, message })) // { kind: "transient", code: "oracle.rate_limited", ... }
 */
export function classifyFailure(error: unknown, retryAfterHeader?: string | null): ClassifiedFailure {
  const err = error as { status?: unknown; name?: unknown; message?: unknown; cause?: unknown };
  const message = String(err?.message ?? error);
  const status = typeof err?.status === "number" ? err.status : undefined;
  if (status !== undefined) {
    const retryAfterMs = retryAfterHeaderMs(retryAfterHeader) ?? retryDelayFromMessage(message);
    const transient = TRANSIENT_STATUS[status]?.code ?? (status >= 500 ? "oracle.server_error" : undefined);
    if (transient)
      return { kind: "transient", code: transient, message: shortMessage(message), status, retryAfterMs };
    const { code } = PERMANENT_STATUS[status] ?? OTHER_CLIENT_ERROR;
    return { kind: "permanent", code, message: shortMessage(message), status };
  }
  const name = String(err?.name ?? "");
  if (name === "AbortError" || name === "TimeoutError" || /abort|timed? ?out/i.test(message)) {
    return { kind: "transient", code: "oracle.timeout", message: "the call timed out" };
  }
  if (name === "TypeError" || /fetch failed|network|ECONNRE|socket|EPIPE/i.test(message)) {
    return { kind: "transient", code: "oracle.network", message: message.slice(0, 300) };
  }
  return { kind: "permanent", code: "oracle.unexpected", message: message.slice(0, 300) };
}

export type BackoffOptions = {
  /** First delay ceiling, in milliseconds. */
  baseMs: number;
  /** Largest delay ceiling, in milliseconds. */
  maxMs: number;
};

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1_000, maxMs: 60_000 };

/**
 * Delay before retry number `attempt` (1 = first retry): full jitter over an exponentially growing
 * ceiling, and never less than the server's Retry-After (plus up to 10% jitter so consumers that
 * were told the same delay do not all come back in the same millisecond).
 * @example
 * backoffDelayMs(3, DEFAULT_BACKOFF, Math.random) // somewhere in 0..4000
 */
export function backoffDelayMs(
  attempt: number,
  options: BackoffOptions,
  random: () => number,
  retryAfterMs?: number,
): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.floor(random() * ceiling);
  if (retryAfterMs === undefined) return jittered;
  return Math.max(jittered, retryAfterMs + Math.floor(random() * retryAfterMs * 0.1));
}
