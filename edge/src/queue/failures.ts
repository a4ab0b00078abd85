/**
 * @module
 * What a queue message that has used up its retries leaves behind: one error shape for every queue
 * (`queue.retries_exhausted`), so a job or an article that gave up says why in the same words.
 *
 * @example
 * await transitionJob(env, jobId, "failed", { error: retriesExhausted("import.chunk message", 6, error) });
 */

/** The error a job (or an oracle article) carries when its message failed on every delivery. */
export function retriesExhausted(what: string, attempts: number, error: unknown) {
  const reason = error instanceof Error ? error.message : String(error);
  return {
    code: "queue.retries_exhausted",
    message: `${what} failed on all ${attempts} attempts; last error: ${reason}`,
  };
}
