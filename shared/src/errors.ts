/**
 * @module
 * One error type for the whole system. Every failure a user can act on carries a stable `code`
 * (e.g. `filter.weights_sum`), a message that says what to fix, and optional `details` naming the
 * place (`path`) and the problem (`issue`). The edge maps it to an HTTP response in one place; the
 * CLI prints it with file and line; the bot turns it into an ephemeral reply.
 */
import type { z } from "zod";

export type ErrorDetail = { path: string; issue: string };

export class DistilleryError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: ErrorDetail[];

  constructor(
    code: string,
    message: string,
    options: { status?: number; details?: ErrorDetail[]; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "DistilleryError";
    this.code = code;
    this.status = options.status ?? 400;
    this.details = options.details ?? [];
  }

  toJSON() {
    return { error: { code: this.code, message: this.message, details: this.details } };
  }
}

/** Formats a zod path (`["dimensions", 2, "weight"]`) as `dimensions[2].weight`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || "(root)";
}

/** Turns zod issues into error details, one per issue, with a prefix for where the value came from. */
export function zodDetails(error: z.ZodError, prefix = ""): ErrorDetail[] {
  return error.issues.map((issue) => {
    const path = formatPath(issue.path);
    return { path: prefix ? (path === "(root)" ? prefix : `${prefix}.${path}`) : path, issue: issue.message };
  });
}

/** Parses `value` with `schema` or throws a `DistilleryError` with `code` listing every issue. */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  value: unknown,
  code: string,
  what: string,
  prefix = "",
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const details = zodDetails(result.error, prefix);
  const first = details[0];
  const summary = first ? `${first.path}: ${first.issue}` : "invalid";
  const more = details.length > 1 ? ` (and ${details.length - 1} more)` : "";
  throw new DistilleryError(code, `invalid ${what}: ${summary}${more}`, { details });
}
