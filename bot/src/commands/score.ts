/**
 * @module
 * `/score filter [model] [source] [language]` — scores the corpus (all articles, or those of one
 * source and/or language) with a student model of the filter: the newest one unless `model` names
 * another. The reply is the job's live message; when the job succeeds it lists the articles per tier.
 */
import { DistilleryError } from "@distillery/shared";
import { SlashCommandBuilder } from "discord.js";
import { filterChoices, modelChoices, parseFilterRef } from "./choices";
import { replyWithJob } from "./reply";
import type { Command } from "./types";

export const score: Command = {
  data: new SlashCommandBuilder()
    .setName("score")
    .setDescription("Score the corpus with a student model; the final reply has counts per tier")
    .addStringOption((o) =>
      o.setName("filter").setDescription("Filter name").setRequired(true).setAutocomplete(true),
    )
    .addStringOption((o) =>
      o
        .setName("model")
        .setDescription("Model id (default: the filter's promoted model)")
        .setAutocomplete(true),
    )
    .addStringOption((o) => o.setName("source").setDescription("Only articles from this source"))
    .addStringOption((o) => o.setName("language").setDescription("Only articles in this language (e.g. en)")),
  action: "train",
  async execute(interaction, ctx) {
    const o = interaction.options;
    const { filter } = parseFilterRef(o.getString("filter", true));
    const modelId = o.getString("model");
    if (modelId) {
      const model = await ctx.edge.getModel(modelId);
      if (model.filter !== filter) {
        throw new DistilleryError(
          "bot.bad_option",
          `model ${model.id} belongs to filter '${model.filter}', not '${filter}'`,
          { details: [{ path: "model", issue: `a model of ${filter}` }] },
        );
      }
    }
    const source = o.getString("source");
    const language = o.getString("language");
    const job = await ctx.edge.createJob({
      kind: "infer",
      // Without a model the edge scores with the filter's promoted one (400 when none is promoted).
      ...(modelId ? { model_id: modelId } : { filter }),
      selection:
        source || language
          ? { type: "query", ...(source ? { source } : {}), ...(language ? { language } : {}) }
          : { type: "all" },
    });
    await replyWithJob(interaction, job, ctx);
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
