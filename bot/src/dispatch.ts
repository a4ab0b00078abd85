/**
 * @module
 * The one dispatcher: routes slash commands, autocomplete and button clicks to their command module
 * after the permission check, and answers every error in one place, ephemerally, with what to fix:
 * a `DistilleryError` (from the edge or our own checks) shows its message and field details; an
 * unreachable edge says so with its URL; anything else is logged and reported as an internal error.
 */
import { type DistilleryClient, DistilleryError } from "@distillery/shared";
import type { APIInteractionGuildMember, GuildMember, Interaction, RepliableInteraction } from "discord.js";
import type { Command, CommandContext } from "./commands/types";
import type { LiveJobs } from "./live/jobs";
import { type RoleMap, requireAction } from "./permissions";

export type DispatchContext = {
  commands: Map<string, Command>;
  roles: RoleMap;
  edge: DistilleryClient;
  live: LiveJobs;
  log: (line: string) => void;
};

/** The role ids of the member behind an interaction (cached member or the raw payload). */
function roleIds(member: GuildMember | APIInteractionGuildMember | null): string[] {
  if (!member) return [];
  return Array.isArray(member.roles) ? member.roles : [...(member as GuildMember).roles.cache.keys()];
}

/**
 * Whether an error means the edge is not there: no connection (`edge.unreachable` from the client), or
 * a 5xx without the edge's error body (a proxy in front of an edge that is down or restarting).
 */
export function isEdgeDown(error: unknown): boolean {
  return (
    error instanceof DistilleryError &&
    (error.code === "edge.unreachable" || /^http\.5\d\d$/.test(error.code))
  );
}

/** The ephemeral text answering an error; `edgeUrl` is named when the edge cannot be reached. */
export function errorText(error: unknown, edgeUrl: string): string {
  if (isEdgeDown(error)) {
    return `⚠️ Distillery's edge is unreachable at ${edgeUrl}; try again when it is back.`;
  }
  if (error instanceof DistilleryError) {
    const details = error.details.map((d) => `• \`${d.path}\`: ${d.issue}`).join("\n");
    return `❌ ${error.message}${details ? `\n${details}` : ""}\n-# ${error.code}`.slice(0, 2000);
  }
  return "❌ Something went wrong inside the bot; it has been logged.";
}

async function answerError(
  interaction: RepliableInteraction,
  error: unknown,
  edgeUrl: string,
): Promise<void> {
  const content = errorText(error, edgeUrl);
  if (interaction.deferred && !interaction.replied) {
    // A deferred public reply would show the error to everyone: remove it and answer privately.
    await interaction.deleteReply().catch(() => {});
    await interaction.followUp({ content, flags: "Ephemeral" });
  } else if (interaction.replied) {
    await interaction.followUp({ content, flags: "Ephemeral" });
  } else {
    await interaction.reply({ content, flags: "Ephemeral" });
  }
}

/** Handles one interaction; never throws. */
export async function dispatch(interaction: Interaction, ctx: DispatchContext): Promise<void> {
  const commandContext = (userId: string): CommandContext => ({
    edge: ctx.edge.forUser(userId),
    live: ctx.live,
    edgeUrl: ctx.edge.options.baseUrl,
  });
  try {
    if (interaction.isAutocomplete()) {
      const command = ctx.commands.get(interaction.commandName);
      try {
        requireAction(ctx.roles, roleIds(interaction.member), "read");
        const choices =
          (await command?.autocomplete?.(interaction, commandContext(interaction.user.id))) ?? [];
        await interaction.respond(choices);
      } catch (error) {
        // Autocomplete cannot show an error: offer nothing, and log why.
        ctx.log(`autocomplete /${interaction.commandName} failed: ${String(error)}`);
        await interaction.respond([]);
      }
      return;
    }
    if (interaction.isChatInputCommand()) {
      const command = ctx.commands.get(interaction.commandName);
      try {
        if (!command)
          throw new DistilleryError(
            "bot.unknown_command",
            `This bot has no /${interaction.commandName}; re-register the commands.`,
          );
        const action = typeof command.action === "function" ? command.action(interaction) : command.action;
        requireAction(ctx.roles, roleIds(interaction.member), action);
        await command.execute(interaction, commandContext(interaction.user.id));
      } catch (error) {
        if (!(error instanceof DistilleryError)) {
          ctx.log(`/${interaction.commandName} failed: ${(error as Error).stack ?? String(error)}`);
        }
        await answerError(interaction, error, ctx.edge.options.baseUrl);
      }
      return;
    }
    if (interaction.isButton()) {
      const [name, verb, arg] = interaction.customId.split(":");
      const command = ctx.commands.get(name ?? "");
      try {
        if (!command?.button || !verb || arg === undefined)
          throw new DistilleryError(
            "bot.unknown_button",
            "This button is no longer handled; run the command again.",
          );
        const action = command.buttonAction ?? (typeof command.action === "string" ? command.action : "read");
        requireAction(ctx.roles, roleIds(interaction.member), action);
        await command.button(interaction, verb, arg, commandContext(interaction.user.id));
      } catch (error) {
        await answerError(interaction, error, ctx.edge.options.baseUrl);
      }
    }
  } catch (error) {
    ctx.log(`could not answer an interaction: ${(error as Error).stack ?? String(error)}`);
  }
}
