/**
 * @module
 * `/label filter budget [count | source/language]` — oracle labelling, which spends money, so it
 * asks first: the command creates a dry-run oracle job (nothing is sent to Gemini) and replies with
 * its estimate — articles selected, how many pass the prefilter, already labelled, expected cost and
 * time — with Confirm / Cancel buttons. Confirm creates the real job from the dry run's spec and the
 * message becomes the job's live message (labelled, failures by reason, prefilter blocks, spend).
 */
import {
  type ArticleSelection,
  DistilleryError,
  type Job,
  oracleEstimateSchema,
  waitForJob,
} from "@distillery/shared";
import { ActionRowBuilder, ButtonBuilder, ButtonStyle, SlashCommandBuilder } from "discord.js";
import { estimateEmbed } from "../format/catalog";
import { filterChoices, parseFilterRef } from "./choices";
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

function selectionOf(count: number | null, source: string | null, language: string | null): ArticleSelection {
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
    .addStringOption((o) => o.setName("language").setDescription("Only articles in this language (e.g. en)")),
  action: "label",
  async execute(interaction, { edge }) {
    const o = interaction.options;
    const ref = parseFilterRef(o.getString("filter", true));
    const selection = selectionOf(o.getInteger("count"), o.getString("source"), o.getString("language"));
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
  autocomplete: (interaction, { edge }) => filterChoices(edge, interaction.options.getFocused()),
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
