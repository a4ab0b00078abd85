/**
 * @module
 * The one place where failures become HTTP responses. Handlers and middleware throw
 * `DistilleryError` (or let zod throw); `handleError` turns it into
 * `{ error: { code, message, details: [{ path, issue }] } }` with the error's status. Anything else is
 * a bug: it is logged and answered 500 with a generic body, never with internals.
 */
import { DistilleryError, zodDetails } from "@distillery/shared";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ZodError } from "zod";

/** Converts a zod validation failure of a request part into a `request.invalid` error. */
export function validationError(error: ZodError, where: string): DistilleryError {
  const details = zodDetails(error);
  const first = details[0];
  const summary = first ? `${first.path}: ${first.issue}` : "invalid";
  const more = details.length > 1 ? ` (and ${details.length - 1} more)` : "";
  return new DistilleryError("request.invalid", `invalid ${where}: ${summary}${more}`, {
    status: 400,
    details,
  });
}

/** Normalises anything thrown into a `DistilleryError`; unknown errors become `internal`. */
export function toDistilleryError(error: unknown): DistilleryError {
  if (error instanceof DistilleryError) return error;
  if (error instanceof ZodError) return validationError(error, "request");
  if (error instanceof HTTPException) {
    const code = error.status === 413 ? "request.too_large" : `http.${error.status}`;
    return new DistilleryError(code, error.message || "request refused", { status: error.status });
  }
  if (error instanceof SyntaxError) {
    return new DistilleryError("request.malformed_json", `request body is not valid JSON: ${error.message}`, {
      status: 400,
    });
  }
  return new DistilleryError("internal", "internal error; the server log has the details", {
    status: 500,
    cause: error,
  });
}

/** `app.onError` handler. */
export function handleError(error: unknown, c: Context): Response {
  const failure = toDistilleryError(error);
  if (failure.status >= 500) console.error("request failed", c.req.method, c.req.path, error);
  return c.json(failure.toJSON(), failure.status as ContentfulStatusCode);
}

/** A 404 in the common error shape. */
export function notFound(what: string, id: string): DistilleryError {
  return new DistilleryError(`${what}.not_found`, `no ${what} with id '${id}'`, { status: 404 });
}
