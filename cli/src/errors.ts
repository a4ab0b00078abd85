/**
 * @module
 * How the CLI reports failure: one line `distillery: <file>:<line>: <message>` on stderr and a
 * non-zero exit code: 2 for a usage error (bad flag, missing argument, a name that does not resolve),
 * 1 for anything else. Commands throw `DistilleryError`; only `runCli` prints and picks the code.
 */
import { DistilleryError } from "@distillery/shared";

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** A mistake in how the command was called (exit code 2). */
export function usageError(message: string): DistilleryError {
  return new DistilleryError("usage.invalid", message);
}

/** An error about a place in a file: its first detail is `file:line`. */
export function fileError(code: string, location: string, message: string): DistilleryError {
  return new DistilleryError(code, message, { details: [{ path: location, issue: message }] });
}

/** The exit code an error maps to. */
export function exitCodeFor(error: unknown): number {
  return error instanceof DistilleryError && error.code.startsWith("usage.") ? EXIT_USAGE : EXIT_FAILURE;
}

/** The one line an error prints as, without the `distillery: ` prefix. */
export function describeError(error: unknown): string {
  if (error instanceof DistilleryError) {
    const first = error.details[0];
    return first && first.issue === error.message && first.path !== "(root)"
      ? `${first.path}: ${error.message}`
      : error.message;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}
