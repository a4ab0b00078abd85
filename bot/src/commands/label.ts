/**
 * @module
 * `/label filter budget [count [uncertain_model] | source/language]` — oracle labelling, which spends
 * money, so it
 * asks first: the command creates a dry-run oracle job (nothing is sent to Gemini) and replies with
 * its estimate — articles selected, how many pass the prefilter, already labelled, expected cost and
 * time — with Confirm / Cancel buttons. Confirm creates the real job from the dry run's spec and the
 * message becomes the job's live message (labelled, failures by reason, prefilter blocks, spend).
 */
import {
  type ArticleSelection,
  DistilleryError,
  type Job,
  type OracleSelection,
  oracleEstimateSchema,
  waitForJob,
} from "@distillery/shared";
import { ActionRowBuilder, ButtonBuilder, ButtonStyle, SlashCommandBuilder } from "discord.js";
import { estimateEmbed } from "../format/catalog";
import { filterChoices, modelChoices, parseFilterRef } from "./choices";
import { replyWithJob } from "./reply";
import type { Command, CommandContext } from "./types";

/** How long to wait for the dry run's estimate: `attempts` polls `intervalMs` apart (10 s by default). */
export type SettleOptions = { attempts?: number; intervalMs?: number };

/**
 * The dry run's job once the edge has computed its estimate (the edge does so before answering, so this
 * rarely polls). A dry run that failed, was cancelled or is still running after the wait is an error that
 * says so, never an estimate-less job passed on as if it had finished.
 * @example
 * const dryRun = await settled(edge, await edge.createJob({ kind: "oracle", ...spec, dry_run: true }));
 */
export async function settled(
  edge: Pick<CommandContext["edge"], "getJob">,
  job: Job,
  { attempts = 40, intervalMs = 250 }: SettleOptions = {},
): Promise<Job> {
  const current = await waitForJob(edge, job.id, { current: job, intervalMs, maxPolls: attempts });
  if (current.state === "succeeded") return current;
  if (current.state === "failed") {
    throw new DistilleryError(
      current.error?.code ?? "oracle.estimate_failed",
      current.error?.message ?? "the estimate failed",
    );
  }
  if (current.state === "cancelled")
    throw new DistilleryError(
      "bot.estimate_cancelled",
      `the estimate (job ${job.id}) was cancelled; run /label again`,
    );
  const waited = ((attempts * intervalMs) / 1000).toFixed(0);
  throw new DistilleryError(
    "bot.estimate_pending",
    `the estimate (job ${job.id}) is still ${current.state} after ${waited} s: it has not finished; run /label again in a minute`,
  );
}

/**
 * The oracle selection the options name: a sample of `count`, or with `uncertainModel` the `count`
 * articles that model is least sure about (20% of them random), or a query by source/language.
 */
export function selectionOf(
  count: number | null,
  source: string | null,
  language: string | null,
  uncertainModel: string | null = null,
): OracleSelection {
  if (uncertainModel !== null && (count === null || source || language)) {
    throw new DistilleryError(
      "bot.bad_option",
      "`uncertain_model` picks `count` articles that model is least sure about: give `count`, without source/language",
      { details: [{ path: "uncertain_model", issue: "needs count, and no source or language" }] },
    );
  }
  if (uncertainModel !== null && count !== null) {
    return { type: "uncertain", count, model_id: uncertainModel, random_share: 0.2, seed: 42 };
  }
  return articleSelectionOf(count, source, language);
}

function articleSelectionOf(
  count: number | null,
  source: string | null,
  language: string | null,
): ArticleSelection {
  if (count !== null && (source || language)) {
    throw new DistilleryError(
      "bot.bad_option",
      "give either `count` (a sample) or `source`/`language` (a query), not both",
      {
        details: [{ path: "count", issue: "not allowed together with source or language" }],
      },
    );
  }
  if (source || language) {
    return { type: "query", ...(source ? { source } : {}), ...(language ? { language } : {}) };
  }
  if (count === null) {
    throw new DistilleryError(
      "bot.bad_option",
      "say which articles to label: `count` (a sample) or `source`/`language`",
      {
        details: [{ path: "count", issue: "required when source and language are not given" }],
      },
    );
  }
  return { type: "sample", count, seed: 42 };
}

export const label: Command = {
  data: new SlashCommandBuilder()
    .setName("label")
    .setDescription("Label articles with the oracle (shows the estimate and asks before spending)")
    .addStringOption((o) =>
      o
        .setName("filter")
        .setDescription("Filter name or name@version")
        .setRequired(true)
        .setAutocomplete(true),
    )
    .addNumberOption((o) =>
      o
        .setName("budget")
        .setDescription("Budget cap in USD; the job pauses there")
        .setRequired(true)
        .setMinValue(0.01),
    )
    .addIntegerOption((o) =>
      o
        .setName("count")
        .setDescription("A sample of this many articles that pass the prefilter")
        .setMinValue(1)
        .setMaxValue(1_000_000),
    )
    .addStringOption((o) => o.setName("source").setDescription("Only articles from this source"))
    .addStringOption((o) => o.setName("language").setDescription("Only articles in this language (e.g. en)"))
    .addStringOption((o) =>
      o
        .setName("uncertain_model")
        .setDescription("Active labelling: the `count` articles this model is least sure about (20% random)")
        .setAutocomplete(true),
    ),
  action: "label",
  async execute(interaction, { edge }) {
    const o = interaction.options;
    const ref = parseFilterRef(o.getString("filter", true));
    const selection = selectionOf(
      o.getInteger("count"),
      o.getString("source"),
      o.getString("language"),
      o.getString("uncertain_model"),
    );
    const budget = o.getNumber("budget", true);
    await interaction.deferReply();
    const dryRun = await settled(
      edge,
      await edge.createJob({ kind: "oracle", ...ref, selection, budget_usd: budget, dry_run: true }),
    );
    const estimate = oracleEstimateSchema.parse(dryRun.result?.estimate);
    const banner = typeof dryRun.result?.banner === "string" ? dryRun.result.banner : undefined;
    const buttons = new ActionRowBuilder<ButtonBuilder>().addComponents(
      new ButtonBuilder()
        .setCustomId(`label:confirm:${dryRun.id}`)
        .setLabel(`Confirm (up to $${budget})`)
        .setStyle(ButtonStyle.Success)
        .setDisabled(estimate.to_label === 0),
      new ButtonBuilder()
        .setCustomId(`label:dismiss:${dryRun.id}`)
        .setLabel("Cancel")
        .setStyle(ButtonStyle.Secondary),
    );
    await interaction.editReply({
      embeds: [estimateEmbed({ filter: ref.filter, budget_usd: budget }, estimate, banner)],
      components: [buttons],
    });
  },
  async autocomplete(interaction, { edge }) {
    const focused = interaction.options.getFocused(true);
    if (focused.name === "uncertain_model") {
      const filter = interaction.options.getString("filter")?.split("@")[0];
      return modelChoices(edge, focused.value, filter);
    }
    return filterChoices(edge, focused.value);
  },
  async button(interaction, verb, dryRunId, ctx) {
    if (verb === "dismiss") {
      await interaction.update({
        content: "Cancelled: nothing was sent to the oracle.",
        embeds: [],
        components: [],
      });
      return;
    }
    const dryRun = await ctx.edge.getJob(dryRunId);
    if (dryRun.spec.kind !== "oracle" || !dryRun.spec.dry_run) {
      throw new DistilleryError(
        "bot.unknown_button",
        `job ${dryRunId} is not an oracle estimate; run /label again`,
      );
    }
    const job = await ctx.edge.createJob({ ...dryRun.spec, dry_run: false });
    await replyWithJob(interaction, job, ctx);
  },
};
