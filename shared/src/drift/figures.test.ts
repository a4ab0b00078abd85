import { describe, expect, it } from "vitest";
import { exampleFilter } from "../testing/example-filter";
import { driftChartSpec } from "./chart";
import { driftFigures, ksStatistic } from "./figures";
import type { FilterHealthPoint } from "./schema";
import { driftBandsSchema } from "./settings";

const filter = exampleFilter();
const bands = driftBandsSchema.parse({});
const score = (deployment: number, impact = deployment, evidence = deployment) => ({
  deployment,
  impact,
  evidence,
});
const labels = [score(8), score(5), score(2), score(9), score(1), score(6)];
/** Enough predictions per period for a distribution to be compared. */
const many = (scores: ReturnType<typeof score>[]) => Array.from({ length: 6 }, () => scores).flat();
const promised = { tier_agreement: 0.9, dimension_mae: 0.6 };

describe("ksStatistic", () => {
  it("is 0 for the same sample, 1 for disjoint ones, and the CDF gap between", () => {
    expect(ksStatistic([1, 2, 3], [3, 2, 1])).toBe(0);
    expect(ksStatistic([1, 1], [9, 9])).toBe(1);
    expect(ksStatistic([1, 2, 3, 4], [3, 4, 5, 6])).toBeCloseTo(0.5);
  });
});

describe("driftFigures", () => {
  it("raises no alert when the student still matches the oracle as its eval promised", () => {
    const figures = driftFigures({
      filter,
      bands,
      pairs: labels.map((l) => ({ oracle: l, student: { ...l, deployment: l.deployment + 0.3 } })),
      promised,
      current: many(labels),
      previous: many(labels),
      reask: labels.map((l) => ({ oracle: l, student: l })),
    });
    expect(figures.alerts).toEqual([]);
    expect(figures.tier_agreement).toMatchObject({ value: 1, promised: 0.9, drop: -0.1 });
    expect(figures.dimension_mae?.per_dimension.deployment).toBeCloseTo(0.3);
    expect(figures.distribution_shift?.max).toBe(0);
    expect(figures.oracle_reask).toEqual({ agreement: 1, dimension_mae: 0, n: 6 });
  });

  it("alerts on each figure outside its band, with a sentence naming the promise", () => {
    const shifted = labels.map((l) => ({ oracle: l, student: score(l.deployment + 3) }));
    const figures = driftFigures({
      filter,
      bands,
      pairs: shifted,
      promised,
      current: many(labels.map((l) => score(l.deployment + 3))),
      previous: many(labels),
      reask: [{ oracle: score(8), student: score(2) }],
    });
    expect(figures.alerts.map((a) => a.figure).sort()).toEqual([
      "dimension_mae",
      "distribution_shift",
      "oracle_reask_agreement",
      "tier_agreement",
    ]);
    const mae = figures.alerts.find((a) => a.figure === "dimension_mae")!;
    expect(mae.limit).toBeCloseTo(1.1);
    expect(mae.message).toContain("0.60 the model's eval promised");
  });

  it("leaves figures it cannot compute null with a reason, never 0, and raises nothing for them", () => {
    const figures = driftFigures({
      filter,
      bands,
      pairs: [],
      promised: null,
      current: [],
      previous: [],
      reask: [],
      reasons: { current: "no article was scored in the last 7 days" },
    });
    expect(figures).toMatchObject({
      n_pairs: 0,
      tier_agreement: null,
      dimension_mae: null,
      distribution_shift: null,
      oracle_reask: null,
      alerts: [],
    });
    expect(figures.missing.distribution_shift).toBe("no article was scored in the last 7 days");
    const few = driftFigures({
      filter,
      bands,
      pairs: [],
      promised,
      current: labels,
      previous: many(labels),
      reask: [],
    });
    expect(few.distribution_shift).toBeNull();
    expect(few.missing.distribution_shift).toContain("6 in this period");
    expect(Object.keys(figures.missing).sort()).toEqual([
      "dimension_mae",
      "distribution_shift",
      "oracle_reask",
      "tier_agreement",
    ]);
  });

  it("keeps the figures without a promise when the model has no eval, and cannot alert on them", () => {
    const figures = driftFigures({
      filter,
      bands,
      pairs: labels.map((l) => ({ oracle: l, student: score(l.deployment + 3) })),
      promised: null,
      current: labels,
      previous: [],
      reask: [],
    });
    expect(figures.dimension_mae).toMatchObject({ promised: null, rise: null });
    expect(figures.dimension_mae?.value).toBeGreaterThan(2);
    expect(figures.missing.promised).toBeDefined();
    expect(figures.alerts).toEqual([]);
  });
});

describe("driftChartSpec", () => {
  it("plots the figure oldest first beside its band edge, skipping audits without it", () => {
    const point = (started_at: string, value: number | null): FilterHealthPoint => ({
      id: started_at,
      filter: filter.name,
      filter_version: 1,
      model_id: "m",
      oracle_job_id: null,
      state: "done",
      started_at,
      finished_at: started_at,
      error: null,
      figures:
        value === null
          ? null
          : {
              ...driftFigures({ filter, bands, pairs: [], promised, current: [], previous: [], reask: [] }),
              dimension_mae: { value, promised: 0.6, rise: value - 0.6, per_dimension: {} },
              period: { from: started_at, to: started_at },
              sample: { scored: 1, drawn: 1, labelled: 1 },
              cost_usd: 0,
            },
    });
    const chart = driftChartSpec(
      [
        point("2026-01-15T00:00:00Z", 2.4),
        point("2026-01-01T00:00:00Z", 0.5),
        point("2026-01-08T00:00:00Z", null),
      ],
      "dimension_mae",
    );
    const rows = (chart.spec as { data: { values: { at: string; value: number; series: string }[] } }).data
      .values;
    expect(rows.filter((r) => r.series === "observed").map((r) => r.value)).toEqual([0.5, 2.4]);
    expect(rows.filter((r) => r.series === "band edge").map((r) => r.value)).toEqual([1.1, 1.1]);
  });
});
