/**
 * @module
 * `/status [job]`: one job in detail, or every job in flight with progress bars, the connected GPU
 * nodes and today's oracle spend (UTC day) against the edge's daily budget. Parts an older edge does
 * not serve (404) are left out.
 */
import { DistilleryError, type SpendReport } from "@distillery/shared";
import { type APIEmbed, SlashCommandBuilder } from "discord.js";
import { jobEmbed, jobLine } from "../format/job";
import { formatUsd, progressBar } from "../format/progress";
import { jobChoices } from "./choices";
import type { Command } from "./types";

/** Today's spend against the daily budget (just the amount when the edge reports no budget). */
export function spendLine(spend: Pick<SpendReport, "total_usd" | "budget_usd_per_day">): string {
  const budget = spend.budget_usd_per_day;
  if (budget === undefined) return formatUsd(spend.total_usd);
  return `${formatUsd(spend.total_usd)} of ${formatUsd(budget)}\n\`${progressBar(spend.total_usd, budget, 16)}\``;
}

async function optional<T>(call: Promise<T>): Promise<T | null> {
  try {
    return await call;
  } catch (error) {
    // An endpoint the edge does not have yet (404) is left out; anything else is a real failure.
    if (error instanceof DistilleryError && error.status === 404) return null;
    throw error;
  }
}

export const status: Command = {
  data: new SlashCommandBuilder()
    .setName("status")
    .setDescription("Jobs in flight, GPU nodes and oracle spend; or one job")
    .addStringOption((o) => o.setName("job").setDescription("A job id").setAutocomplete(true)),
  action: "read",
  async execute(interaction, { edge }) {
    const id = interaction.options.getString("job");
    if (id) {
      await interaction.reply({ embeds: [jobEmbed(await edge.getJob(id))] });
      return;
    }
    const today = new Date().toISOString().slice(0, 10);
    const [running, queued, nodes, spend] = await Promise.all([
      edge.listJobs({ state: "running", limit: 20 }),
      edge.listJobs({ state: "queued", limit: 20 }),
      optional(edge.listNodes()),
      optional(edge.oracleSpend({ since: today })),
    ]);
    const jobs = [...running.items, ...queued.items];
    const embed: APIEmbed = {
      title: "Distillery status",
      color: 0x5865f2,
      fields: [
        {
          name: `Jobs in flight (${jobs.length})`,
          value: jobs.length ? jobs.map(jobLine).join("\n").slice(0, 1024) : "none",
        },
      ],
    };
    if (nodes) {
      const lines = nodes.items.map((n) => {
        const gpus = n.capabilities.gpus.map((g) => `${g.name} (${g.memory_gb} GB)`).join(", ") || "CPU only";
        return `🖥️ \`${n.name}\` — ${gpus}${n.current_job_id ? ` · on \`${n.current_job_id}\`` : " · idle"}`;
      });
      embed.fields!.push({
        name: `GPU nodes (${nodes.items.length})`,
        value: lines.join("\n").slice(0, 1024) || "none connected",
      });
    }
    if (spend) embed.fields!.push({ name: "Oracle spend today", value: spendLine(spend) });
    await interaction.reply({ embeds: [embed] });
  },
  autocomplete: (interaction, { edge }) => jobChoices(edge, interaction.options.getFocused()),
};
