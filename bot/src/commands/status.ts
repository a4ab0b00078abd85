/**
 * @module
 * `/status [job]`: one job in detail, or every job in flight with progress bars, the connected GPU
 * nodes and today's oracle spend against the budget. Parts the edge does not serve yet are left out.
 */
import { DistilleryError } from "@distillery/shared";
import { type APIEmbed, SlashCommandBuilder } from "discord.js";
import { EdgeCatalog } from "../edge/client";
import { jobEmbed, jobLine } from "../format/job";
import { formatUsd, progressBar } from "../format/progress";
import { jobChoices } from "./choices";
import type { Command } from "./types";

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
    const catalog = new EdgeCatalog(edge);
    const [running, queued, nodes, spend] = await Promise.all([
      edge.listJobs({ state: "running", limit: 20 }),
      edge.listJobs({ state: "queued", limit: 20 }),
      optional(catalog.listNodes()),
      optional(catalog.oracleSpend()),
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
    if (spend) {
      embed.fields!.push({
        name: "Oracle spend today",
        value: `${formatUsd(spend.today_usd)} of ${formatUsd(spend.budget_usd)}\n\`${progressBar(spend.today_usd, spend.budget_usd, 16)}\``,
      });
    }
    await interaction.reply({ embeds: [embed] });
  },
  autocomplete: (interaction, { edge }) => jobChoices(edge, interaction.options.getFocused()),
};
