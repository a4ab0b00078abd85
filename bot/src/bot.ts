/**
 * @module
 * Starts the bot: a discord.js client (REST and gateway at `DISCORD_API_BASE` when set, else Discord),
 * the dispatcher on every interaction, and the live job updater on the edge's event stream.
 * Only the `Guilds` intent is needed: slash commands arrive as interactions, not messages.
 *
 * @example
 * const bot = await startBot(loadBotConfig());
 * await bot.stop();
 */
import { DistilleryClient } from "@distillery/shared";
import { Client, Events, GatewayIntentBits, Routes } from "discord.js";
import { loadCommands } from "./commands/index";
import type { BotConfig } from "./config";
import { dispatch } from "./dispatch";
import { driftAlertMessage } from "./format/drift";
import { LiveJobs } from "./live/jobs";

export type BotOptions = {
  log?: (line: string) => void;
  editIntervalMs?: number;
  /** The channel drift audit alerts are posted to (unset: they are only logged). */
  alertsChannelId?: string;
};

export async function startBot(config: BotConfig, options: BotOptions = {}) {
  const log = options.log ?? ((line: string) => console.log(line));
  if (!config.DISCORD_TOKEN) throw new Error("DISCORD_TOKEN is not set: the bot cannot log in to Discord");
  const client = new Client({
    intents: [GatewayIntentBits.Guilds],
    ...(config.DISCORD_API_BASE ? { rest: { api: config.DISCORD_API_BASE } } : {}),
  });
  // Interactions must be answered within 3 s, so the edge gets a short timeout.
  const edge = new DistilleryClient({
    baseUrl: config.DISTILLERY_EDGE_URL,
    token: config.DISTILLERY_BOT_TOKEN,
    timeoutMs: 15_000,
  });
  const alertsChannel = options.alertsChannelId;
  const live = new LiveJobs({
    edgeUrl: config.DISTILLERY_EDGE_URL,
    token: config.DISTILLERY_BOT_TOKEN,
    intervalMs: options.editIntervalMs,
    log,
    async editMessage(channelId, messageId, edit) {
      await client.rest.patch(Routes.channelMessage(channelId, messageId), { body: edit });
    },
    ...(alertsChannel
      ? {
          async onDriftAlert(event) {
            const { embeds, files } = await driftAlertMessage(event);
            await client.rest.post(Routes.channelMessages(alertsChannel), { body: { embeds }, files });
          },
        }
      : {}),
  });
  const commands = loadCommands();
  client.on(Events.InteractionCreate, (interaction) => {
    void dispatch(interaction, { commands, roles: config.roles, edge, live, log });
  });
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  await client.login(config.DISCORD_TOKEN);
  await ready;
  live.start();
  log(`bot: logged in as ${client.user?.tag}; edge ${config.DISTILLERY_EDGE_URL}`);
  return {
    client,
    live,
    async stop() {
      await live.stop();
      await client.destroy();
    },
  };
}
