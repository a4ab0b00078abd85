/**
 * @module
 * `/eval model` — the evaluation summary of a model's latest eval job: quality bar (green/red per
 * row), per-dimension MAE, tier confusion, baselines, categories, cascade, verdict — with the six charts
 * attached as PNGs rendered by the shared renderer (the same pictures the CLI shows). The latest eval
 * job is the one the edge records on the model (`metrics.eval_job_id`), else the newest succeeded eval
 * job of the model. An eval job id is accepted too (`job_...`).
 */
import { type DistilleryClient, DistilleryError } from "@distillery/shared";
import { renderEvalCharts } from "@distillery/shared/node/charts";
import { AttachmentBuilder, SlashCommandBuilder } from "discord.js";
import { evalEmbeds } from "../format/eval";
import { productionComparisonEmbed } from "../format/production";
import { modelChoices } from "./choices";
import type { Command } from "./types";

/** The id of the eval job whose report describes `modelId` now. */
export async function latestEvalJob(edge: DistilleryClient, modelId: string): Promise<string> {
  const model = await edge.getModel(modelId);
  const recorded = model.metrics?.eval_job_id;
  if (typeof recorded === "string") return recorded;
  let cursor: string | undefined;
  // Bounded: eval jobs are few; ten pages of 100 is far more than a team keeps.
  for (let page = 0; page < 10; page++) {
    const jobs = await edge.listJobs({
      kind: "eval",
      state: "succeeded",
      limit: 100,
      ...(cursor ? { cursor } : {}),
    });
    const found = jobs.items.find((j) => j.spec.kind === "eval" && j.spec.model_id === modelId);
    if (found) return found.id;
    if (!jobs.next_cursor) break;
    cursor = jobs.next_cursor;
  }
  throw new DistilleryError("eval.not_found", `model ${modelId} has no finished evaluation yet`, {
    status: 404,
    details: [{ path: "model", issue: "no succeeded eval job for this model" }],
  });
}

export const evaluation: Command = {
  data: new SlashCommandBuilder()
    .setName("eval")
    .setDescription("Evaluation summary of a model: metrics against the quality bar and charts")
    .addStringOption((o) =>
      o
        .setName("model")
        .setDescription("The model (or an eval job id)")
        .setRequired(true)
        .setAutocomplete(true),
    ),
  action: "read",
  async execute(interaction, { edge }) {
    const value = interaction.options.getString("model", true).trim();
    // Rendering six charts takes a second or two: defer so Discord's 3-second window is never at risk.
    await interaction.deferReply();
    const jobId = value.startsWith("job_") ? value : await latestEvalJob(edge, value);
    const report = await edge.jobReport(jobId);
    const charts = await renderEvalCharts(report);
    const files = charts.map(
      (c) => new AttachmentBuilder(c.png, { name: `${c.name}.png`, description: c.title }),
    );
    await interaction.editReply({
      embeds: [
        ...evalEmbeds(
          report,
          charts.map((c) => ({ file: `${c.name}.png`, title: c.title })),
        ),
        // Beside the report: whether this model beats the one in production, both side by side.
        await productionComparisonEmbed(edge, report.model.id),
      ],
      files,
    });
  },
  autocomplete: (interaction, { edge }) => modelChoices(edge, interaction.options.getFocused()),
};
