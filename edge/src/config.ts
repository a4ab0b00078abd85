/**
 * @module
 * The edge's settings, parsed once per worker environment with `edgeConfigSchema` from `@distillery/shared`
 * (one definition of every variable's name, default and check; docs/configuration.md is generated from it).
 * Code reads `edgeConfig(env).HUB_LEASE_MS`, never `Number(env.X ?? default)`. An empty variable counts as
 * unset. A bad value is a `config.invalid` error (500: the operator's mistake, not the caller's) naming the
 * variable, raised by the first request that reads the configuration.
 */
import { DistilleryError, type EdgeConfig, edgeConfigSchema, zodDetails } from "@distillery/shared";
import type { Env } from "./env";

const parsed = new WeakMap<object, EdgeConfig>();

/**
 * The parsed configuration of `env`, cached per environment object (workerd passes the same one to every
 * request of an isolate; tests that spread `{ ...env, X }` get a fresh parse).
 * @example
 * const leaseMs = edgeConfig(env).HUB_LEASE_MS; // 30000 unless HUB_LEASE_MS is set
 */
export function edgeConfig(env: Env): EdgeConfig {
  const cached = parsed.get(env);
  if (cached) return cached;
  const vars = env as unknown as Record<string, unknown>;
  const values = Object.fromEntries(
    Object.keys(edgeConfigSchema.shape).map((name) => [name, vars[name] === "" ? undefined : vars[name]]),
  );
  const result = edgeConfigSchema.safeParse(values);
  if (!result.success) {
    const details = zodDetails(result.error);
    const first = details[0];
    const value = first ? vars[first.path] : undefined;
    throw new DistilleryError(
      "config.invalid",
      `invalid edge configuration: ${first?.path} ${value === undefined ? "" : `'${String(value)}' `}${first?.issue}`,
      { status: 500, details },
    );
  }
  parsed.set(env, result.data);
  return result.data;
}
