/**
 * @module
 * `npm run -w bot start`: reads the configuration from the environment and runs the bot until
 * SIGINT/SIGTERM. Without `DISCORD_TOKEN` it says so and exits 0 (so `npm start` of the whole stack
 * can skip it).
 */
import { DistilleryError } from "@distillery/shared";
import { startBot } from "./bot";
import { loadBotConfig } from "./config";

try {
  const config = loadBotConfig();
  if (!config.DISCORD_TOKEN) {
    console.log("bot: DISCORD_TOKEN is not set; not starting the Discord bot.");
    process.exit(0);
  }
  const bot = await startBot(config, { alertsChannelId: config.DISCORD_ALERTS_CHANNEL_ID });
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      void bot.stop().then(() => process.exit(0));
    });
  }
} catch (error) {
  console.error(error instanceof DistilleryError ? `bot: ${error.message}` : error);
  process.exit(1);
}
