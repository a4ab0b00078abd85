/**
 * @module
 * `npm run -w bot register`: sends the command definitions to Discord — to one guild when
 * `DISCORD_GUILD_ID` is set (instant, for a team server) or globally (may take up to an hour to show).
 * `npm run -w bot register -- --print` prints the definitions as JSON instead and needs no token.
 */
import { DistilleryError } from "@distillery/shared";
import { REST, Routes } from "discord.js";
import { commandDefinitions } from "./commands/index";
import { loadBotConfig } from "./config";

const definitions = commandDefinitions();
if (process.argv.includes("--print")) {
  console.log(JSON.stringify(definitions, null, 2));
  process.exit(0);
}
try {
  const config = loadBotConfig();
  const missing = (["DISCORD_TOKEN", "DISCORD_APPLICATION_ID"] as const).filter((k) => !config[k]);
  if (missing.length) {
    throw new DistilleryError(
      "bot.config_invalid",
      `set ${missing.join(" and ")} to register commands (or pass --print)`,
    );
  }
  const rest = new REST(config.DISCORD_API_BASE ? { api: config.DISCORD_API_BASE } : {}).setToken(
    config.DISCORD_TOKEN!,
  );
  const route = config.DISCORD_GUILD_ID
    ? Routes.applicationGuildCommands(config.DISCORD_APPLICATION_ID!, config.DISCORD_GUILD_ID)
    : Routes.applicationCommands(config.DISCORD_APPLICATION_ID!);
  const saved = (await rest.put(route, { body: definitions })) as unknown[];
  const where = config.DISCORD_GUILD_ID ? `guild ${config.DISCORD_GUILD_ID}` : "globally";
  console.log(
    `registered ${saved.length} commands ${where}: ${definitions.map((d) => `/${d.name}`).join(" ")}`,
  );
} catch (error) {
  console.error(error instanceof DistilleryError ? `register: ${error.message}` : error);
  process.exit(1);
}
