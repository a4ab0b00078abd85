/**
 * @module
 * A drift alert (`filter.drift_alert` from the edge's event stream) as a Discord message: one embed
 * with each alert's sentence, the audited figures beside their promises, and a line chart of the
 * first alerted figure across the audit series with its band (the shared `driftChartSpec`, rendered
 * in Node), attached as `attachment://<name>.png`.
 */
import { type DriftAlertEvent, driftChartSpec, type FilterHealthFigures } from "@distillery/shared";
import { renderChartPng } from "@distillery/shared/node/charts";
import type { APIEmbed } from "discord.js";
import { formatPercent } from "./progress";

const ALERT_COLOR = 0xed4245;

export function figureLines(figures: FilterHealthFigures): string[] {
  const promise = (value: number | null, show: (v: number) => string) =>
    value === null ? "" : ` (promised ${show(value)})`;
  const fixed = (v: number) => v.toFixed(2);
  const lines = [
    figures.tier_agreement
      ? `tier agreement ${formatPercent(figures.tier_agreement.value)}${promise(figures.tier_agreement.promised, formatPercent)}`
      : `tier agreement: ${figures.missing.tier_agreement ?? "not computed"}`,
    figures.dimension_mae
      ? `dimension MAE ${fixed(figures.dimension_mae.value)}${promise(figures.dimension_mae.promised, fixed)}`
      : `dimension MAE: ${figures.missing.dimension_mae ?? "not computed"}`,
    figures.distribution_shift
      ? `distribution shift (max KS) ${fixed(figures.distribution_shift.max)}`
      : `distribution shift: ${figures.missing.distribution_shift ?? "not computed"}`,
    figures.oracle_reask
      ? `oracle re-ask agreement ${formatPercent(figures.oracle_reask.agreement)} (n=${figures.oracle_reask.n})`
      : `oracle re-ask: ${figures.missing.oracle_reask ?? "not computed"}`,
  ];
  return lines;
}

/** The embed of an alert; `chartFile` names the attached chart, when there is one. */
export function driftAlertEmbed(event: DriftAlertEvent, chartFile: string | null): APIEmbed {
  const { point } = event;
  const figures = point.figures;
  const alerts = figures?.alerts ?? [];
  return {
    title: `⚠️ Drift in ${point.filter}`,
    color: ALERT_COLOR,
    description: alerts.map((a) => `• ${a.message}`).join("\n"),
    fields: [
      ...(figures
        ? [{ name: `Audit of ${point.model_id ?? "?"}`, value: figureLines(figures).join("\n") }]
        : []),
      ...(figures
        ? [
            {
              name: "Sample",
              value: `${figures.sample.labelled} labelled of ${figures.sample.drawn} drawn from ${figures.sample.scored} scored · $${figures.cost_usd.toFixed(2)}`,
            },
          ]
        : []),
    ],
    ...(chartFile ? { image: { url: `attachment://${chartFile}` } } : {}),
    footer: { text: `audit ${point.id} · ${point.started_at}` },
  };
}

/** The whole message: the embed and the chart of the first alerted figure as a PNG file. */
export async function driftAlertMessage(event: DriftAlertEvent) {
  const first = event.point.figures?.alerts[0];
  if (!first) return { embeds: [driftAlertEmbed(event, null)], files: [] };
  const chart = driftChartSpec(event.history, first.figure);
  const { png } = await renderChartPng(chart.spec);
  const name = `${chart.name}.png`;
  return { embeds: [driftAlertEmbed(event, name)], files: [{ name, data: png }] };
}
