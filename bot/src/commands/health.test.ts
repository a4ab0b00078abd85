/**
 * `/health`'s embed: the latest audits with their figures and alerts, and what to do when there is none.
 */
import { type FilterHealthResponse, filterHealthResponseSchema } from "@distillery/shared";
import { describe, expect, it } from "vitest";
import { health, healthEmbed } from "./health";

const BANDS = {
  tier_agreement_drop: 0.1,
  dimension_mae_rise: 0.5,
  distribution_shift: 0.25,
  oracle_reask_agreement_min: 0.8,
};

function response(points: unknown[], overrides: Partial<FilterHealthResponse> = {}): FilterHealthResponse {
  return filterHealthResponseSchema.parse({
    filter: "energy",
    enabled: true,
    every_days: 7,
    bands: BANDS,
    model_id: "mdl_1",
    next_due_at: "2026-12-07T00:00:00.000Z",
    points,
    ...overrides,
  });
}

const alerted = {
  id: "aud_2",
  filter: "energy",
  filter_version: 1,
  model_id: "mdl_1",
  oracle_job_id: "job_2",
  state: "done",
  started_at: "2026-11-30T00:00:00.000Z",
  finished_at: "2026-11-30T00:10:00.000Z",
  figures: {
    n_pairs: 12,
    tier_agreement: { value: 0.5, promised: 0.9, drop: 0.4 },
    dimension_mae: { value: 1.8, promised: 0.6, rise: 1.2, per_dimension: { impact: 1.8 } },
    distribution_shift: null,
    oracle_reask: null,
    missing: { distribution_shift: "fewer than 30 articles in a period", oracle_reask: "no earlier label" },
    bands: BANDS,
    alerts: [
      { figure: "dimension_mae", value: 1.8, limit: 1.1, message: "dimension MAE 1.80 is above 1.10" },
    ],
    period: { from: "2026-11-23T00:00:00.000Z", to: "2026-11-30T00:00:00.000Z" },
    sample: { scored: 40, drawn: 12, labelled: 12 },
    cost_usd: 0.01,
  },
};

describe("/health", () => {
  it("shows the newest audit first with its alert, in the alert colour", () => {
    const embed = healthEmbed(
      response([alerted, { ...alerted, id: "aud_1", figures: { ...alerted.figures, alerts: [] } }]),
    );
    expect(embed.color).toBe(0xc62828);
    expect(embed.fields?.[0]?.name).toMatch(/^⚠️ 2026-11-30 · mdl_1/);
    expect(embed.fields?.[0]?.value).toContain("dimension MAE 1.80 is above 1.10");
    expect(embed.fields?.[1]?.name).toMatch(/^✅/);
    expect(embed.description).toContain("every 7 days on mdl_1");
  });

  it("says what to do when nothing was promoted, and when audits are off", () => {
    expect(healthEmbed(response([], { model_id: null, next_due_at: null })).description).toContain(
      "audits start after /promote",
    );
    expect(healthEmbed(response([], { enabled: false })).description).toContain("disabled");
  });

  it("is a read command with filter autocomplete", () => {
    const json = health.data.toJSON();
    expect(health.action).toBe("read");
    expect(json.options?.[0]).toMatchObject({ name: "filter", required: true, autocomplete: true });
  });
});
