/**
 * @module
 * `/dataset build filter` — builds an immutable 80/10/10 dataset from the filter version's oracle
 * labels (stratified, near-duplicates removed) and replies with its validation report. Building reads
 * every label, so the reply is deferred past Discord's 3-second window.
 */
import { SlashCommandBuilder } from "discord.js";
import { datasetEmbed } from "../format/catalog";
import { filterChoices, parseFilterRef } from "./choices";
import type { Command } from "./types";

export const dataset: Command = {
  data: new SlashCommandBuilder()
    .setName("dataset")
    .setDescription("Datasets built from oracle labels")
    .addSubcommand((s) =>
      s
        .setName("build")
        .setDescription("Build the train/validation/test split from a filter's labels")
        .addStringOption((o) =>
          o
            .setName("filter")
            .setDescription("Filter name (latest version) or name@version")
            .setRequired(true)
            .setAutocomplete(true),
        ),
    ),
  action: "train",
  async execute(interaction, { edge }) {
    const ref = parseFilterRef(interaction.options.getString("filter", true));
    await interaction.deferReply();
    const built = await edge.createDataset(ref);
    await interaction.editReply({ embeds: [datasetEmbed(built)] });
  },
  autocomplete: (interaction, { edge }) => filterChoices(edge, interaction.options.getFocused()),
};
