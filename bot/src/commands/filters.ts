/**
 * @module
 * `/filters list` — every filter with its versions; `/filters show filter` — one version's prompt
 * summary (the prompt's first lines, dimensions with weights, gatekeepers, tiers). `filter` takes a
 * name (latest version) or `name@version`, offered by autocomplete.
 */
import { SlashCommandBuilder } from "discord.js";
import { filterEmbed, filterListEmbed } from "../format/catalog";
import { filterChoices, parseFilterRef } from "./choices";
import type { Command } from "./types";

export const filters: Command = {
  data: new SlashCommandBuilder()
    .setName("filters")
    .setDescription("Filters: versions, dimensions, tiers and prompts")
    .addSubcommand((s) => s.setName("list").setDescription("Every filter with its versions"))
    .addSubcommand((s) =>
      s
        .setName("show")
        .setDescription("One filter version: prompt summary, dimensions, gatekeepers, tiers")
        .addStringOption((o) =>
          o
            .setName("filter")
            .setDescription("Filter name, or name@version")
            .setRequired(true)
            .setAutocomplete(true),
        ),
    ),
  action: "read",
  async execute(interaction, { edge }) {
    if (interaction.options.getSubcommand() === "list") {
      await interaction.reply({ embeds: [filterListEmbed(await edge.listFilters())] });
      return;
    }
    const ref = parseFilterRef(interaction.options.getString("filter", true));
    await interaction.reply({ embeds: [filterEmbed(await edge.getFilter(ref.filter, ref.filter_version))] });
  },
  autocomplete: (interaction, { edge }) => filterChoices(edge, interaction.options.getFocused()),
};
