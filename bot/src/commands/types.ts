/**
 * @module
 * The shape every command module has (the discord.js guide pattern): `data` (the definition sent to
 * Discord), the permission it needs, `execute` for the slash command, and optionally `autocomplete`
 * and `button` (custom ids `<command>:<verb>:<arg>`). Commands throw; the dispatcher answers errors.
 */
import type { DistilleryClient } from "@distillery/shared";
import type {
  ApplicationCommandOptionChoiceData,
  AutocompleteInteraction,
  ButtonInteraction,
  ChatInputCommandInteraction,
  RESTPostAPIChatInputApplicationCommandsJSONBody,
} from "discord.js";
import type { LiveJobs } from "../live/jobs";
import type { Action } from "../permissions";

export type CommandContext = {
  /** The edge client acting for the user who invoked the command. */
  edge: DistilleryClient;
  live: LiveJobs;
  edgeUrl: string;
};

export type Command = {
  data: { name: string; toJSON(): RESTPostAPIChatInputApplicationCommandsJSONBody };
  /** The permission the command needs (may depend on the subcommand). */
  action: Action | ((interaction: ChatInputCommandInteraction) => Action);
  /** The permission its buttons need (default: `action` when it is fixed, else `read`). */
  buttonAction?: Action;
  execute(interaction: ChatInputCommandInteraction, ctx: CommandContext): Promise<void>;
  autocomplete?(
    interaction: AutocompleteInteraction,
    ctx: CommandContext,
  ): Promise<ApplicationCommandOptionChoiceData[]>;
  button?(interaction: ButtonInteraction, verb: string, arg: string, ctx: CommandContext): Promise<void>;
};
