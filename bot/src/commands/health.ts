/**
 * @module
 * `/health filter`: the drift audits of a filter's promoted model, newest first: each audit's figures
 * against what the model's eval promised, the alerts it raised, the bands, and when the next is due.
 */
import type { FilterHealthResponse } from "@distillery/shared";
import { type APIEmbed, SlashCommandBuilder } from "discord.js";
import { figureLines } from "../format/drift";
import { filterChoices, parseFilterRef } from "./choices";
import type { Command } from "./types";

const OK_COLOR = 0x2e7d32;
const ALERT_COLOR = 0xc62828;
const IDLE_COLOR = 0x607d8b;

/** The embed of a filter's health: the latest audits (at most five) and the schedule. */
export function healthEmbed(health: FilterHealthResponse): APIEmbed {
  const latest = health.points[0];
  const alerted = (latest?.figures?.alerts.length ?? 0) > 0;
  const schedule = !health.enabled
    ? "audits are disabled in the filter's `audit` block"
    : health.model_id === null
      ? "no model is promoted yet: audits start after /promote"
      : `every ${health.every_days} days on ${health.model_id}; next due ${health.next_due_at ?? "now"}`;
  return {
    title: `Health of ${health.filter}`,
    color: latest === undefined ? IDLE_COLOR : alerted ? ALERT_COLOR : OK_COLOR,
    description: latest === undefined ? `No audit yet: ${schedule}.` : schedule,
    fields: health.points.slice(0, 5).map((point) => {
      const alerts = point.figures?.alerts ?? [];
      const lines =
        point.state === "running"
          ? ["running: the oracle is labelling the sample"]
          : point.state === "failed"
            ? [`failed: ${point.error ?? "no reason recorded"}`]
            : [...(point.figures ? figureLines(point.figures) : []), ...alerts.map((a) => `⚠️ ${a.message}`)];
      return {
        name: `${alerts.length > 0 ? "⚠️" : point.state === "done" ? "✅" : "⏳"} ${point.started_at.slice(0, 10)} · ${point.model_id ?? "?"}`,
        value: lines.join("\n").slice(0, 1024) || "no figures",
      };
    }),
  };
}

export const health: Command = {
  data: new SlashCommandBuilder()
    .setName("health")
    .setDescription("Drift audits of a filter's promoted model: figures, alerts and the schedule")
    .addStringOption((o) =>
      o.setName("filter").setDescription("Filter name").setRequired(true).setAutocomplete(true),
    ),
  action: "read",
  async execute(interaction, { edge }) {
    const { filter } = parseFilterRef(interaction.options.getString("filter", true));
    await interaction.reply({ embeds: [healthEmbed(await edge.filterHealth(filter))] });
  },
  autocomplete: (interaction, { edge }) => filterChoices(edge, interaction.options.getFocused()),
};
