/**
 * @module
 * `/promote filter model [override_reason]` — promotes a model for its filter through the gate: the
 * reply shows the checks with the candidate and the promoted model side by side. A refusal is the
 * edge's `promotion.refused` (the dispatcher shows its failed checks); with `override_reason` the
 * model is promoted past the gate, which needs the bot's `admin` permission here and an admin token
 * at the edge (the reason is kept in the audit log).
 */
import { formatComparison, promoteRequestSchema, promoteResultSchema } from "@distillery/shared";
import { SlashCommandBuilder } from "discord.js";
import { filterChoices, modelChoices, parseFilterRef } from "./choices";
import type { Command } from "./types";

export const promote: Command = {
  data: new SlashCommandBuilder()
    .setName("promote")
    .setDescription("Promote a model for its filter if it beats the production model; scoring then uses it")
    .addStringOption((o) =>
      o.setName("filter").setDescription("Filter name").setRequired(true).setAutocomplete(true),
    )
    .addStringOption((o) =>
      o.setName("model").setDescription("The candidate model").setRequired(true).setAutocomplete(true),
    )
    .addStringOption((o) =>
      o
        .setName("override_reason")
        .setDescription("Promote past the gate (admins only): why")
        .setMaxLength(1000),
    ),
  action: (interaction) => (interaction.options.getString("override_reason") ? "admin" : "train"),
  async execute(interaction, { edge }) {
    const o = interaction.options;
    const { filter } = parseFilterRef(o.getString("filter", true));
    const reason = o.getString("override_reason")?.trim();
    const request = promoteRequestSchema.parse({
      model_id: o.getString("model", true).trim(),
      ...(reason ? { override: { reason } } : {}),
    });
    const response = await edge.raw("POST", `/v1/filters/${encodeURIComponent(filter)}/promote`, {
      json: request,
    });
    const promotion = promoteResultSchema.parse(await response.json());
    const lines = promotion.comparison
      ? formatComparison(promotion.comparison)
      : [`promoted past the gate (override): ${promotion.reason}`];
    await interaction.reply({
      content: `**${promotion.model_id}** is now the production model of **${filter}**\n\`\`\`\n${lines.join("\n")}\n\`\`\``,
    });
  },
  async autocomplete(interaction, { edge }) {
    const focused = interaction.options.getFocused(true);
    if (focused.name === "model") {
      const filter = interaction.options.getString("filter")?.split("@")[0];
      return modelChoices(edge, focused.value, filter);
    }
    return filterChoices(edge, focused.value);
  },
};
