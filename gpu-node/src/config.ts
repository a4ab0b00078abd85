/**
 * @module
 * The node agent's settings from its environment, parsed once with `nodeConfigSchema` from
 * `@distillery/shared` (the names, defaults and checks docs/configuration.md lists): `DISTILLERY_EDGE_URL`,
 * `DISTILLERY_NODE_TOKEN` and `DISTILLERY_WORK_DIR`. The CLI uses them as its flags' defaults, so a flag
 * overrides the variable. An empty variable counts as unset.
 */
import { DistilleryError, nodeConfigSchema, zodDetails } from "@distillery/shared";
import type { z } from "zod";

export type NodeConfig = z.infer<typeof nodeConfigSchema>;

/**
 * The agent's configuration from `env`; a bad value is a `config.invalid` error naming the variable.
 * @example
 * nodeConfig({ DISTILLERY_WORK_DIR: "/data/distillery" }).DISTILLERY_EDGE_URL // "http://127.0.0.1:8787"
 */
export function nodeConfig(env: Record<string, string | undefined>): NodeConfig {
  const values = Object.fromEntries(
    Object.keys(nodeConfigSchema.shape).map((name) => [name, env[name] === "" ? undefined : env[name]]),
  );
  const result = nodeConfigSchema.safeParse(values);
  if (result.success) return result.data;
  const details = zodDetails(result.error);
  const first = details[0];
  throw new DistilleryError(
    "config.invalid",
    `invalid node configuration: ${first?.path} '${env[first?.path ?? ""]}': ${first?.issue}`,
    { details },
  );
}
