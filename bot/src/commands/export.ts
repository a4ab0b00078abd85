/**
 * @module
 * `/export filter [kind] [format] [hours]` — a signed, expiring link to the filter's oracle labels or
 * its newest model's predictions, as NDJSON or CSV. The link works without a token until it expires,
 * so it is answered privately to the member who asked.
 */
import { SlashCommandBuilder } from "discord.js";
import { filterChoices, parseFilterRef } from "./choices";
import type { Command } from "./types";

export const exportCommand: Command = {
  data: new SlashCommandBuilder()
    .setName("export")
    .setDescription("A signed, expiring download link of a filter's labels or predictions")
    .addStringOption((o) =>
      o
        .setName("filter")
        .setDescription("Filter name or name@version")
        .setRequired(true)
        .setAutocomplete(true),
    )
    .addStringOption((o) =>
      o
        .setName("kind")
        .setDescription("What to export (default: labels)")
        .addChoices(
          { name: "oracle labels", value: "labels" },
          { name: "predictions of the newest model", value: "predictions" },
        ),
    )
    .addStringOption((o) =>
      o
        .setName("format")
        .setDescription("File format (default: ndjson)")
        .addChoices({ name: "NDJSON", value: "ndjson" }, { name: "CSV", value: "csv" }),
    )
    .addIntegerOption((o) =>
      o
        .setName("hours")
        .setDescription("Link lifetime in hours (default 24, at most 168)")
        .setMinValue(1)
        .setMaxValue(168),
    ),
  action: "read",
  async execute(interaction, { edge }) {
    const o = interaction.options;
    const ref = parseFilterRef(o.getString("filter", true));
    const kind = (o.getString("kind") ?? "labels") as "labels" | "predictions";
    const format = (o.getString("format") ?? "ndjson") as "ndjson" | "csv";
    const link = await edge.createExportLink({
      kind,
      filter: ref.filter,
      ...(kind === "labels" && ref.filter_version ? { version: ref.filter_version } : {}),
      format,
      expires_in_s: (o.getInteger("hours") ?? 24) * 3600,
    });
    const expires = Math.floor(Date.parse(link.expires_at) / 1000);
    await interaction.reply({
      content: `📦 [${kind} of ${ref.filter} (${format.toUpperCase()})](${link.url})\nThe link works without a token until <t:${expires}:f> (<t:${expires}:R>); share it only with people who may read this data.`,
      flags: "Ephemeral",
    });
  },
  autocomplete: (interaction, { edge }) => filterChoices(edge, interaction.options.getFocused()),
};
