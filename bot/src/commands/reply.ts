/**
 * @module
 * Replies shared by commands that start a job: post the job's embed, remember the message on the job
 * (`PUT /v1/jobs/{id}/notify`) so live edits survive a bot restart, and start following it.
 */
import type { Job } from "@distillery/shared";
import {
  ActionRowBuilder,
  ButtonBuilder,
  type ButtonInteraction,
  ButtonStyle,
  type ChatInputCommandInteraction,
} from "discord.js";
import { jobEmbed } from "../format/job";
import type { CommandContext } from "./types";

/** Replies with a started job and hands its message to the live updater. */
export async function replyWithJob(
  interaction: ChatInputCommandInteraction | ButtonInteraction,
  job: Job,
  ctx: CommandContext,
): Promise<void> {
  const payload = { content: "", embeds: [jobEmbed(job)], components: [] };
  if (interaction.isButton()) await interaction.update(payload);
  else await interaction.reply(payload);
  const message = await interaction.fetchReply();
  const notify = { channel_id: message.channelId, message_id: message.id };
  await ctx.edge.setJobNotify(job.id, notify);
  ctx.live.follow({ ...job, notify });
}

/** A Confirm / Keep pair of buttons for `<command>:confirm:<arg>`. */
export function confirmRow(command: string, arg: string, confirmLabel: string) {
  return new ActionRowBuilder<ButtonBuilder>().addComponents(
    new ButtonBuilder()
      .setCustomId(`${command}:confirm:${arg}`)
      .setLabel(confirmLabel)
      .setStyle(ButtonStyle.Danger),
    new ButtonBuilder()
      .setCustomId(`${command}:dismiss:${arg}`)
      .setLabel("Keep it")
      .setStyle(ButtonStyle.Secondary),
  );
}
