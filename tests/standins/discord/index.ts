/**
 * @module
 * A local stand-in for Discord that discord.js runs against unmodified: one HTTP server with the REST
 * API under `/api/v10` and the gateway WebSocket on `/gateway`. Point the bot at it with
 * `DISCORD_API_BASE=<url>` (discord.js `rest.api`); the gateway URL comes from `GET /gateway/bot`.
 * A test invokes slash commands, autocomplete and button clicks as a member with given roles, then
 * reads the reply, its edits, embeds and attachments from `messages`/`calls`, waiting with `waitFor`.
 *
 * @example
 * const discord = await startDiscordStandin({ port: 8841 });
 * const { reply } = await discord.command({ name: "status", user: { id: "42", roles: ["1"] } });
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Gateway } from "./gateway";
import { buttonPayload, type CommandOption, chatInputPayload, type InvocationUser } from "./interactions";
import { handleRest } from "./rest";
import { DiscordStore, type RecordedCall, type StoredMessage } from "./store";

export { option } from "./interactions";
export type { RecordedCall, RecordedFile, StoredMessage } from "./store";

export type DiscordStandinOptions = {
  port?: number;
  applicationId?: string;
  guildId?: string;
  channelId?: string;
  /** When set, REST calls that need the bot token must send `Bot <token>`. */
  botToken?: string;
};

export type Invocation = {
  name: string;
  subcommand?: string;
  options?: CommandOption[];
  user: InvocationUser;
  channelId?: string;
};

/** A sent interaction: its token, and helpers to read what the bot answered. */
export type SentInteraction = {
  id: string;
  token: string;
  /** Resolves with the bot's reply message once it exists (callback type 4/5 or update 7). */
  reply(): Promise<StoredMessage>;
  /** The callback calls the bot made for this interaction. */
  callbacks(): RecordedCall[];
};

export type DiscordStandin = Awaited<ReturnType<typeof startDiscordStandin>>;

export async function startDiscordStandin(options: DiscordStandinOptions = {}) {
  const applicationId = options.applicationId ?? "900000000000000001";
  const guildId = options.guildId ?? "800000000000000001";
  const defaultChannel = options.channelId ?? "700000000000000001";
  const store = new DiscordStore();
  let base = "";
  const server = createServer((request, response) => {
    handleRest(
      {
        store,
        applicationId,
        gatewayUrl: () => `${base.replace(/^http/, "ws")}/gateway`,
        botToken: options.botToken ?? null,
      },
      request,
      response,
    ).catch((error: Error) => {
      response.writeHead(500, { "content-type": "application/json" });
      response.end(JSON.stringify({ message: error.message, code: 0 }));
    });
  });
  const gateway = new Gateway(server, {
    applicationId,
    botUserId: applicationId,
    heartbeatIntervalMs: 30_000,
  });
  gateway.onIdentify = () => store.changed();
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  function send(
    payload: { id: string; token: string },
    channelId: string,
    messageId: string | null,
  ): SentInteraction {
    store.interactions.set(payload.token, { channelId, messageId });
    gateway.dispatch("INTERACTION_CREATE", payload);
    const callbacks = () => store.calls.filter((c) => c.path.startsWith(`/interactions/${payload.id}/`));
    return {
      id: payload.id,
      token: payload.token,
      callbacks,
      async reply() {
        await store.waitFor(
          () => store.original(payload.token) !== undefined,
          `a reply to interaction ${payload.id}`,
        );
        return store.original(payload.token)!;
      },
    };
  }

  function ids() {
    const id = store.snowflake();
    return { id, token: `token-${id}` };
  }

  return {
    /** Pass as `DISCORD_API_BASE` (discord.js appends `/v10`). */
    apiBase: `${base}/api`,
    url: base,
    applicationId,
    guildId,
    channelId: defaultChannel,
    store,
    calls: store.calls,
    messages: store.messages,
    gateway,
    /** Resolves when `count` bots have identified on the gateway. */
    waitForBot(count = 1) {
      return store.waitFor(() => gateway.connected >= count, `${count} bot(s) to connect to the gateway`);
    },
    command(invocation: Invocation): SentInteraction {
      const channelId = invocation.channelId ?? defaultChannel;
      const base = { ...ids(), applicationId, guildId, channelId, user: invocation.user };
      return send(
        chatInputPayload(base, invocation.name, invocation.subcommand ?? null, invocation.options ?? []),
        channelId,
        null,
      );
    },
    autocomplete(invocation: Invocation): SentInteraction {
      const channelId = invocation.channelId ?? defaultChannel;
      const base = { ...ids(), applicationId, guildId, channelId, user: invocation.user };
      return send(
        chatInputPayload(base, invocation.name, invocation.subcommand ?? null, invocation.options ?? [], 4),
        channelId,
        null,
      );
    },
    click(message: StoredMessage, customId: string, user: InvocationUser): SentInteraction {
      const base = { ...ids(), applicationId, guildId, channelId: message.channel_id, user };
      return send(buttonPayload(base, message, customId), message.channel_id, message.id);
    },
    /** The autocomplete choices the bot returned for an interaction. */
    choices(sent: SentInteraction): { name: string; value: string | number }[] | undefined {
      const call = sent.callbacks().find((c) => (c.body as { type?: number } | null)?.type === 8);
      return (call?.body as { data?: { choices?: { name: string; value: string | number }[] } } | undefined)
        ?.data?.choices;
    },
    waitFor: store.waitFor.bind(store),
    async close() {
      store.close();
      await gateway.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
