/**
 * @module
 * `/cancel job`: shows the job with a Confirm button; only the click cancels it (admin or the roles
 * that may start that kind of job). The job's own message then turns to "cancelled" through the event
 * stream like any other change.
 */
import { SlashCommandBuilder } from "discord.js";
import { jobEmbed } from "../format/job";
import { jobChoices } from "./choices";
import { confirmRow } from "./reply";
import type { Command } from "./types";

export const cancel: Command = {
  data: new SlashCommandBuilder()
    .setName("cancel")
    .setDescription("Cancel a job (asks for confirmation)")
    .addStringOption((o) =>
      o.setName("job").setDescription("The job id").setRequired(true).setAutocomplete(true),
    ),
  action: "train",
  buttonAction: "train",
  async execute(interaction, { edge }) {
    const job = await edge.getJob(interaction.options.getString("job", true));
    await interaction.reply({
      content: `Cancel this job? Work done so far is kept, the rest is not run.`,
      embeds: [jobEmbed(job)],
      components: [confirmRow("cancel", job.id, "Cancel the job")],
      flags: "Ephemeral",
    });
  },
  autocomplete: (interaction, { edge }) => jobChoices(edge, interaction.options.getFocused()),
  async button(interaction, verb, jobId, { edge }) {
    if (verb === "dismiss") {
      await interaction.update({ content: `Kept job \`${jobId}\`.`, embeds: [], components: [] });
      return;
    }
    const job = await edge.cancelJob(jobId);
    await interaction.update({
      content: `Cancelled job \`${job.id}\`.`,
      embeds: [jobEmbed(job)],
      components: [],
    });
  },
};
