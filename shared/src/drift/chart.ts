/**
 * @module
 * The drift alert's chart: one audited figure over the health time series (oldest to newest), with
 * the edge of its band drawn dashed beside it, so a reader sees when the figure left the band and
 * whether it had been creeping there. Rendered by the project's chart renderers (Node or workerd).
 */
import type { TopLevelSpec } from "vega-lite";
import { CHART_COLORS, chartFrame } from "../charts/theme";
import type { DriftFigureKey, FilterHealthFigures, FilterHealthPoint } from "./schema";

const LABELS: Record<DriftFigureKey, string> = {
  tier_agreement: "tier agreement",
  dimension_mae: "dimension MAE",
  distribution_shift: "distribution shift (max KS)",
  oracle_reask_agreement: "oracle re-ask agreement",
};

/** A figure's value and the edge of its band in one audit, or null when the audit lacks it. */
export function figureWithLimit(
  figures: FilterHealthFigures,
  figure: DriftFigureKey,
): { value: number; limit: number | null } | null {
  const bands = figures.bands;
  switch (figure) {
    case "tier_agreement": {
      const tier = figures.tier_agreement;
      if (!tier) return null;
      return {
        value: tier.value,
        limit: tier.promised === null ? null : tier.promised - bands.tier_agreement_drop,
      };
    }
    case "dimension_mae": {
      const mae = figures.dimension_mae;
      if (!mae) return null;
      return {
        value: mae.value,
        limit: mae.promised === null ? null : mae.promised + bands.dimension_mae_rise,
      };
    }
    case "distribution_shift":
      return figures.distribution_shift
        ? { value: figures.distribution_shift.max, limit: bands.distribution_shift }
        : null;
    case "oracle_reask_agreement":
      return figures.oracle_reask
        ? { value: figures.oracle_reask.agreement, limit: bands.oracle_reask_agreement_min }
        : null;
  }
}

/**
 * A line chart of `figure` across `history` (any order) with its band edge.
 * @example
 * const png = await renderChart(driftChartSpec(event.history, "dimension_mae"));
 */
export function driftChartSpec(history: readonly FilterHealthPoint[], figure: DriftFigureKey) {
  const label = LABELS[figure];
  const observed = "observed";
  const limit = "band edge";
  const rows = [...history]
    .sort((a, b) => a.started_at.localeCompare(b.started_at))
    .flatMap((point) => {
      const pair = point.figures ? figureWithLimit(point.figures, figure) : null;
      if (!pair) return [];
      return [
        { at: point.started_at, value: pair.value, series: observed },
        ...(pair.limit === null ? [] : [{ at: point.started_at, value: pair.limit, series: limit }]),
      ];
    });
  const title = `${history[0]?.filter ?? "filter"}: ${label} per audit`;
  return {
    name: `drift-${figure.replaceAll("_", "-")}`,
    title,
    spec: {
      ...chartFrame(title),
      data: { values: rows },
      mark: { type: "line", point: true, strokeWidth: 2 },
      encoding: {
        x: { field: "at", type: "temporal", title: "audit started" },
        y: { field: "value", type: "quantitative", title: label, scale: { zero: false } },
        color: {
          field: "series",
          type: "nominal",
          title: null,
          scale: { domain: [observed, limit], range: [CHART_COLORS.accent, CHART_COLORS.secondary] },
          legend: { orient: "top-right" },
        },
        strokeDash: {
          field: "series",
          type: "nominal",
          scale: {
            domain: [observed, limit],
            range: [
              [1, 0],
              [6, 4],
            ],
          },
          legend: null,
        },
      },
    } as TopLevelSpec,
  };
}
