/**
 * @module
 * `/eval job`: the evaluation summary of a finished eval job — quality bar (green/red per row),
 * per-dimension MAE, tier confusion, baselines, verdict — with the four charts attached as PNGs
 * rendered by the shared renderer (the same pictures the CLI and the edge show).
 */
import { renderEvalCharts } from "@distillery/shared/node/charts";
import { AttachmentBuilder, SlashCommandBuilder } from "discord.js";
import { evalEmbeds } from "../format/eval";
import { jobChoices } from "./choices";
import type { Command } from "./types";

export const evaluation: Command = {
  data: new SlashCommandBuilder()
    .setName("eval")
    .setDescription("Evaluation summary of a model: metrics against the quality bar and charts")
    .addStringOption((o) =>
      o.setName("job").setDescription("The eval job id").setRequired(true).setAutocomplete(true),
    ),
  action: "read",
  async execute(interaction, { edge }) {
    const report = await edge.jobReport(interaction.options.getString("job", true));
    // Rendering four charts takes about half a second: defer so Discord's 3-second window is never at risk.
    await interaction.deferReply();
    const charts = await renderEvalCharts(report);
    const files = charts.map(
      (c) => new AttachmentBuilder(c.png, { name: `${c.name}.png`, description: c.title }),
    );
    await interaction.editReply({
      embeds: evalEmbeds(
        report,
        charts.map((c) => ({ file: `${c.name}.png`, title: c.title })),
      ),
      files,
    });
  },
  autocomplete: async (interaction, { edge }) =>
    (await jobChoices(edge, interaction.options.getFocused())).filter((c) =>
      String(c.name).includes(" eval "),
    ),
};
