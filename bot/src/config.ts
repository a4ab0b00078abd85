/**
 * @module
 * The bot's configuration, read from the environment with `botConfigSchema` (shared) plus the parsed
 * role map. A bad value throws a `DistilleryError` naming the variable.
 */
import { botConfigSchema, parseOrThrow } from "@distillery/shared";
import type { z } from "zod";
import { parseRoleMap, type RoleMap } from "./permissions";

export type BotConfig = z.infer<typeof botConfigSchema> & { roles: RoleMap };

export function loadBotConfig(env: Record<string, string | undefined> = process.env): BotConfig {
  const config = parseOrThrow(botConfigSchema, env, "bot.config_invalid", "bot configuration");
  return { ...config, roles: parseRoleMap(config.DISTILLERY_BOT_ROLES) };
}
