import {
  type DriftAlertEvent,
  driftBandsSchema,
  driftFigures,
  exampleFilter,
  type FilterHealthPoint,
} from "@distillery/shared";
import { describe, expect, it } from "vitest";
import { driftAlertEmbed, driftAlertMessage } from "./drift";

const filter = exampleFilter();
const bands = driftBandsSchema.parse({});
const score = (v: number) => ({ deployment: v, impact: v, evidence: v });

function point(id: string, started_at: string, shift: number): FilterHealthPoint {
  const labels = [score(8), score(5), score(2), score(6)];
  const figures = driftFigures({
    filter,
    bands,
    pairs: labels.map((l) => ({ oracle: { ...l, deployment: l.deployment + shift }, student: l })),
    promised: { tier_agreement: 0.9, dimension_mae: 0.6 },
    current: labels,
    previous: labels,
    reask: [],
  });
  return {
    id,
    filter: filter.name,
    filter_version: 1,
    model_id: "model_1",
    oracle_job_id: "job_1",
    state: "done",
    started_at,
    finished_at: started_at,
    error: null,
    figures: {
      ...figures,
      period: { from: started_at, to: started_at },
      sample: { scored: 40, drawn: 4, labelled: 4 },
      cost_usd: 0.0123,
    },
  };
}

const alerted = point("health_2", "2026-11-30T00:00:00.000Z", 6);
const event: DriftAlertEvent = {
  type: "filter.drift_alert",
  point: alerted,
  history: [alerted, point("health_1", "2026-11-23T00:00:00.000Z", 0)],
};

describe("drift alert message", () => {
  it("says what left its band, beside the promise, and points at the chart", () => {
    const embed = driftAlertEmbed(event, "drift-dimension-mae.png");
    expect(embed.title).toBe(`⚠️ Drift in ${filter.name}`);
    expect(embed.description).toContain("Dimension MAE against the oracle is 2.00");
    expect(embed.fields?.[0]?.value).toContain("dimension MAE 2.00 (promised 0.60)");
    expect(embed.fields?.[0]?.value).toContain("oracle re-ask: no earlier label was asked again");
    expect(embed.image?.url).toBe("attachment://drift-dimension-mae.png");
  });

  it("attaches a PNG chart of the first alerted figure", async () => {
    const message = await driftAlertMessage(event);
    expect(message.files).toHaveLength(1);
    const file = message.files[0]!;
    expect(file.name).toBe(`drift-${event.point.figures!.alerts[0]!.figure.replaceAll("_", "-")}.png`);
    expect([...file.data.subarray(1, 4)].map((b) => String.fromCharCode(b)).join("")).toBe("PNG");
    expect(message.embeds[0]?.image?.url).toBe(`attachment://${file.name}`);
  });
});
