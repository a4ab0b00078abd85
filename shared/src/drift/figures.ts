/**
 * @module
 * The drift audit's figures, pure: tier agreement and dimension MAE of the promoted model's
 * predictions against fresh oracle labels (through the one metrics implementation), each beside what
 * the model's eval promised; the per-dimension shift of the score distribution between this period's
 * predictions and the previous period's (two-sample Kolmogorov–Smirnov); the oracle's agreement with
 * its own earlier labels; and an alert, in a sentence, for each figure outside its band. A figure that
 * cannot be computed is null with its reason in `missing`, never 0.
 */
import type { PostfilterFilter } from "../filter/postfilter";
import { computeMetrics, type ScoredPair } from "../metrics/index";
import type { Metrics } from "../schemas/report";
import type { DriftAlert, DriftFigures } from "./schema";
import type { DriftBands } from "./settings";

export type DriftInput = {
  filter: PostfilterFilter;
  bands: DriftBands;
  /** Per sampled article: the fresh oracle label (`oracle`) and the promoted model's prediction (`student`). */
  pairs: readonly ScoredPair[];
  /** The promoted model's eval metrics (null: it has none; `reasons.promised` says why). */
  promised: Pick<Metrics, "tier_agreement" | "dimension_mae"> | null;
  /** Dimension scores of the period's predictions, and of the period before. */
  current: readonly Readonly<Record<string, number>>[];
  previous: readonly Readonly<Record<string, number>>[];
  /** Per re-asked article: the earlier label (`oracle`) and the new answer (`student`). */
  reask: readonly ScoredPair[];
  /** Why an input is empty, in words a user can act on; generic reasons otherwise. */
  reasons?: Partial<Record<"pairs" | "promised" | "current" | "previous" | "reask", string>>;
};

/**
 * The two-sample Kolmogorov–Smirnov statistic: the largest gap between the two empirical CDFs (0..1).
 * @example
 * ksStatistic([1, 2, 3], [1, 2, 3]); // 0
 * ksStatistic([1, 1], [9, 9]); // 1
 */
export function ksStatistic(a: readonly number[], b: readonly number[]): number {
  if (a.length === 0 || b.length === 0) throw new RangeError("ksStatistic: both samples need values");
  const sa = [...a].sort((x, y) => x - y);
  const sb = [...b].sort((x, y) => x - y);
  let i = 0;
  let j = 0;
  let gap = 0;
  while (i < sa.length && j < sb.length) {
    const x = Math.min(sa[i]!, sb[j]!);
    while (i < sa.length && sa[i]! <= x) i++;
    while (j < sb.length && sb[j]! <= x) j++;
    gap = Math.max(gap, Math.abs(i / sa.length - j / sb.length));
  }
  return gap;
}

/**
 * Fewer predictions than this in either period leave the distribution shift null: with small samples
 * the KS statistic of two draws from one distribution often exceeds a useful band by chance alone.
 */
export const MIN_DISTRIBUTION_N = 30;

const round = (value: number) => Math.round(value * 1000) / 1000;
const percent = (value: number) => `${Math.round(value * 1000) / 10}%`;

function distributionShift(input: DriftInput, missing: Record<string, string>) {
  if (input.current.length === 0) {
    missing.distribution_shift = input.reasons?.current ?? "no article was scored in this period";
    return null;
  }
  if (input.previous.length === 0) {
    missing.distribution_shift =
      input.reasons?.previous ?? "no article was scored in the previous period to compare with";
    return null;
  }
  const fewest = Math.min(input.current.length, input.previous.length);
  if (fewest < MIN_DISTRIBUTION_N) {
    missing.distribution_shift = `too few scored articles to compare distributions (${input.current.length} in this period, ${input.previous.length} in the previous; at least ${MIN_DISTRIBUTION_N} each)`;
    return null;
  }
  const perDimension: Record<string, number> = {};
  for (const { key } of input.filter.dimensions) {
    const now = input.current.map((s) => s[key]).filter((v): v is number => v !== undefined);
    const before = input.previous.map((s) => s[key]).filter((v): v is number => v !== undefined);
    if (now.length > 0 && before.length > 0) perDimension[key] = round(ksStatistic(now, before));
  }
  const values = Object.values(perDimension);
  if (values.length === 0) {
    missing.distribution_shift = "the predictions of the two periods share no dimension";
    return null;
  }
  return {
    per_dimension: perDimension,
    max: Math.max(...values),
    n_current: input.current.length,
    n_previous: input.previous.length,
  };
}

function alertsOf(figures: Omit<DriftFigures, "alerts" | "missing" | "bands">, bands: DriftBands) {
  const alerts: DriftAlert[] = [];
  const tier = figures.tier_agreement;
  if (tier?.promised != null && tier.drop != null && tier.drop > bands.tier_agreement_drop) {
    const limit = round(tier.promised - bands.tier_agreement_drop);
    alerts.push({
      figure: "tier_agreement",
      value: tier.value,
      limit,
      message: `Tier agreement with the oracle is ${percent(tier.value)}, ${percent(tier.drop)} below the ${percent(tier.promised)} the model's eval promised (band: ${percent(bands.tier_agreement_drop)}).`,
    });
  }
  const mae = figures.dimension_mae;
  if (mae?.promised != null && mae.rise != null && mae.rise > bands.dimension_mae_rise) {
    alerts.push({
      figure: "dimension_mae",
      value: mae.value,
      limit: round(mae.promised + bands.dimension_mae_rise),
      message: `Dimension MAE against the oracle is ${mae.value.toFixed(2)}, ${mae.rise.toFixed(2)} above the ${mae.promised.toFixed(2)} the model's eval promised (band: +${bands.dimension_mae_rise}).`,
    });
  }
  const shift = figures.distribution_shift;
  if (shift && shift.max > bands.distribution_shift) {
    const moved = Object.entries(shift.per_dimension)
      .filter(([, value]) => value > bands.distribution_shift)
      .map(([key, value]) => `${key} (${value.toFixed(2)})`);
    alerts.push({
      figure: "distribution_shift",
      value: shift.max,
      limit: bands.distribution_shift,
      message: `The score distribution moved since the previous period on ${moved.join(", ")} (KS statistic; band: ${bands.distribution_shift}).`,
    });
  }
  const reask = figures.oracle_reask;
  if (reask && reask.agreement < bands.oracle_reask_agreement_min) {
    alerts.push({
      figure: "oracle_reask_agreement",
      value: reask.agreement,
      limit: bands.oracle_reask_agreement_min,
      message: `Asked again, the oracle gave the tier of its earlier label on ${percent(reask.agreement)} of ${reask.n} articles (minimum: ${percent(bands.oracle_reask_agreement_min)}): the oracle itself may have changed.`,
    });
  }
  return alerts;
}

/**
 * Computes one audit's figures and alerts.
 * @example
 * const figures = driftFigures({ filter, bands, pairs, promised: model.eval, current, previous, reask: [] });
 * figures.alerts.map((a) => a.message);
 */
export function driftFigures(input: DriftInput): DriftFigures {
  const missing: Record<string, string> = {};
  let tierAgreement: DriftFigures["tier_agreement"] = null;
  let dimensionMae: DriftFigures["dimension_mae"] = null;
  if (input.pairs.length === 0) {
    const reason = input.reasons?.pairs ?? "no sampled article got an oracle label";
    missing.tier_agreement = reason;
    missing.dimension_mae = reason;
  } else {
    const metrics = computeMetrics(input.filter, input.pairs);
    const promised = input.promised;
    if (!promised) missing.promised = input.reasons?.promised ?? "the promoted model has no eval metrics";
    tierAgreement = {
      value: round(metrics.tier_agreement),
      promised: promised?.tier_agreement ?? null,
      drop: promised ? round(promised.tier_agreement - metrics.tier_agreement) : null,
    };
    dimensionMae = {
      value: round(metrics.dimension_mae),
      promised: promised?.dimension_mae ?? null,
      rise: promised ? round(metrics.dimension_mae - promised.dimension_mae) : null,
      per_dimension: Object.fromEntries(
        Object.entries(metrics.per_dimension).map(([key, d]) => [key, round(d.mae)]),
      ),
    };
  }
  let reask: DriftFigures["oracle_reask"] = null;
  if (input.reask.length === 0) {
    missing.oracle_reask = input.reasons?.reask ?? "no earlier label was asked again";
  } else {
    const metrics = computeMetrics(input.filter, input.reask);
    reask = {
      agreement: round(metrics.tier_agreement),
      dimension_mae: round(metrics.dimension_mae),
      n: input.reask.length,
    };
  }
  const figures = {
    n_pairs: input.pairs.length,
    tier_agreement: tierAgreement,
    dimension_mae: dimensionMae,
    distribution_shift: distributionShift(input, missing),
    oracle_reask: reask,
  };
  return { ...figures, missing, bands: input.bands, alerts: alertsOf(figures, input.bands) };
}
