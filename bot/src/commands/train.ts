/**
 * @module
 * `/train dataset [base_model] [head] [epochs]`: starts a training job on a dataset (whose filter gives
 * the default base model and hyperparameters) and keeps its message live. (`filter` is implied by the
 * dataset; it is asked for so autocomplete can narrow the datasets.)
 */
import { SlashCommandBuilder } from "discord.js";
import { datasetChoices, filterChoices } from "./choices";
import { replyWithJob } from "./reply";
import type { Command } from "./types";

export const train: Command = {
  data: new SlashCommandBuilder()
    .setName("train")
    .setDescription("Train a student model on a dataset")
    .addStringOption((o) =>
      o.setName("dataset").setDescription("Dataset id").setRequired(true).setAutocomplete(true),
    )
    .addStringOption((o) =>
      o.setName("filter").setDescription("Filter (narrows the datasets offered)").setAutocomplete(true),
    )
    .addStringOption((o) => o.setName("base_model").setDescription("Base model (default: the filter's)"))
    .addStringOption((o) =>
      o
        .setName("head")
        .setDescription("Student kind (default: the filter's)")
        .addChoices(
          { name: "regression (one pass, all dimensions)", value: "regression" },
          { name: "generative (writes the filter's JSON)", value: "generative" },
          { name: "probe (CPU: frozen encoder + heads)", value: "probe" },
        ),
    )
    .addNumberOption((o) =>
      o.setName("epochs").setDescription("Epochs (default: the filter's)").setMinValue(0.1).setMaxValue(100),
    ),
  action: "train",
  async execute(interaction, ctx) {
    const o = interaction.options;
    const baseModel = o.getString("base_model");
    const head = o.getString("head") as "regression" | "generative" | "probe" | null;
    const epochs = o.getNumber("epochs");
    const job = await ctx.edge.createJob({
      kind: "train",
      dataset_id: o.getString("dataset", true),
      student: {
        ...(head ? { kind: head } : {}),
        ...(baseModel ? { base_model: baseModel } : {}),
        ...(epochs ? { hyperparameters: { epochs } } : {}),
      },
    });
    await replyWithJob(interaction, job, ctx);
  },
  async autocomplete(interaction, { edge }) {
    const focused = interaction.options.getFocused(true);
    return focused.name === "filter"
      ? filterChoices(edge, focused.value)
      : datasetChoices(edge, focused.value, interaction.options.getString("filter")?.split("@")[0]);
  },
};
