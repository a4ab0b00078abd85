/**
 * @module
 * Builders for the INTERACTION_CREATE payloads Discord sends: a slash command (with a subcommand
 * and options), an autocomplete request (one option focused) and a button click on a stored
 * message. Shapes follow the Discord API v10 documentation; `member.roles` carries the role ids the
 * bot's permission check reads.
 */
import type { StoredMessage } from "./store";

export type CommandOption = {
  name: string;
  type: number;
  value: string | number | boolean;
  focused?: boolean;
};

export type InvocationUser = { id: string; username?: string; roles?: string[] };

export type InteractionBase = {
  id: string;
  token: string;
  applicationId: string;
  guildId: string;
  channelId: string;
  user: InvocationUser;
};

/** Option types of the Discord API: 1 subcommand, 3 string, 4 integer, 5 boolean, 10 number. */
export const OPTION_TYPES = { subcommand: 1, string: 3, integer: 4, boolean: 5, number: 10 } as const;

/** Infers an option's type from its JS value (integers → 4, other numbers → 10). */
export function option(name: string, value: string | number | boolean, focused = false): CommandOption {
  const type =
    typeof value === "string"
      ? OPTION_TYPES.string
      : typeof value === "boolean"
        ? OPTION_TYPES.boolean
        : Number.isInteger(value)
          ? OPTION_TYPES.integer
          : OPTION_TYPES.number;
  return focused ? { name, type, value, focused } : { name, type, value };
}

function common(base: InteractionBase) {
  const user = {
    id: base.user.id,
    username: base.user.username ?? `user${base.user.id}`,
    discriminator: "0",
    global_name: null,
    avatar: null,
  };
  return {
    id: base.id,
    application_id: base.applicationId,
    token: base.token,
    version: 1,
    guild_id: base.guildId,
    channel_id: base.channelId,
    channel: { id: base.channelId, type: 0, guild_id: base.guildId, name: "distillery" },
    member: {
      user,
      roles: base.user.roles ?? [],
      permissions: "0",
      joined_at: "2026-01-01T00:00:00.000Z",
      deaf: false,
      mute: false,
      flags: 0,
      nick: null,
      avatar: null,
      premium_since: null,
      pending: false,
    },
    app_permissions: "0",
    locale: "en-US",
    guild_locale: "en-US",
    entitlements: [],
    authorizing_integration_owners: { "0": base.guildId },
    context: 0,
  };
}

/** A slash command: `/name [subcommand] options...`. */
export function chatInputPayload(
  base: InteractionBase,
  name: string,
  subcommand: string | null,
  options: CommandOption[],
  type = 2,
) {
  const wrapped = subcommand ? [{ name: subcommand, type: OPTION_TYPES.subcommand, options }] : options;
  return {
    ...common(base),
    type,
    data: { id: `cmd-${name}`, name, type: 1, options: wrapped, guild_id: base.guildId },
  };
}

/** A button click on `message` with `customId`. */
export function buttonPayload(base: InteractionBase, message: StoredMessage, customId: string) {
  return {
    ...common(base),
    type: 3,
    data: { custom_id: customId, component_type: 2 },
    message: {
      id: message.id,
      channel_id: message.channel_id,
      type: 20,
      content: message.content,
      embeds: message.embeds,
      components: message.components,
      attachments: [],
      flags: message.flags,
      author: {
        id: base.applicationId,
        username: "distillery",
        discriminator: "0",
        global_name: null,
        avatar: null,
        bot: true,
      },
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      pinned: false,
    },
  };
}
