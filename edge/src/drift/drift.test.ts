/**
 * The drift audit end to end inside workerd: a promoted model with eval metrics and predictions on
 * recent articles, the minute cron starting the audit, the real oracle queue labelling the sample with
 * the Gemini stand-in, the cron settling it; then the stand-in's labels shifted (its `bias` knob) and
 * the next period's audit raising alerts; and the series served by `GET /v1/filters/{name}/health`.
 */
import { env } from "cloudflare:test";
import {
  type DriftAlertEvent,
  exampleFilter,
  type FilterPackage,
  filterHealthFiguresSchema,
  filterHealthResponseSchema,
} from "@distillery/shared";
import { and, eq, inArray } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { call, createOracleJob, makeToken, seedArticles, storeFilter, untilJob } from "../../test/helpers";
import { database, newId, nowIso } from "../db/client";
import { filterHealth, filterPromotions, jobs, oracleLabels, predictions, studentModels } from "../db/schema";
import { runDriftAudits } from "./index";

/** The Gemini stand-in the test project binds (`GEMINI_BASE_URL`). */
const GEMINI = env.GEMINI_BASE_URL ?? "http://127.0.0.1:8822";
const DAY_MS = 24 * 60 * 60 * 1000;
const filter: FilterPackage = {
  ...exampleFilter(),
  audit: {
    enabled: true,
    every_days: 7,
    sample: 12,
    reask: 4,
    budget_usd: 1,
    bands: {
      tier_agreement_drop: 0.1,
      dimension_mae_rise: 0.5,
      distribution_shift: 0.25,
      oracle_reask_agreement_min: 0.8,
    },
  },
};

async function standin(config: Record<string, unknown>) {
  const response = await fetch(`${GEMINI}/__standin/config`, {
    method: "POST",
    body: JSON.stringify(config),
  });
  expect(response.ok).toBe(true);
}

afterEach(() => standin({ bias: 0 }));

/**
 * A "student" that scores exactly what the oracle answers: the stand-in's scores depend on the article
 * only, so labels from another model (flash-lite, before any bias) are the audit oracle's answers too.
 */
async function trueScores(admin: string, ids: string[]) {
  const job = await createOracleJob(admin, filter.name, {
    selection: { type: "ids", ids },
    model: "gemini-2.5-flash-lite",
    budget_usd: 5,
  });
  expect((await untilJob(admin, job.id, ["succeeded", "failed"])).state).toBe("succeeded");
  const rows = await database(env.DB)
    .select()
    .from(oracleLabels)
    .where(and(eq(oracleLabels.model, "gemini-2.5-flash-lite"), inArray(oracleLabels.article_id, ids)))
    .all();
  return rows.map((row) => ({
    article_id: row.article_id,
    scores: Object.fromEntries(
      Object.entries(row.scores as Record<string, { score: number }>).map(([k, v]) => [k, v.score]),
    ),
    categories: row.categories as Record<string, string>,
  }));
}

async function storePredictions(modelId: string, scored: Awaited<ReturnType<typeof trueScores>>, at: string) {
  const jobId = newId("job");
  const now = nowIso();
  const db = database(env.DB);
  await db
    .insert(jobs)
    .values({
      id: jobId,
      kind: "infer",
      state: "succeeded",
      spec: {},
      progress: {},
      created_by: "test",
      created_at: now,
      updated_at: now,
    })
    .run();
  for (const p of scored) {
    await db
      .insert(predictions)
      .values({
        job_id: jobId,
        article_id: p.article_id,
        model_id: modelId,
        filter: filter.name,
        filter_version: 1,
        scores: p.scores,
        categories: p.categories,
        created_at: at,
      })
      .run();
  }
}

/** Runs the cron until the audit it started has settled (the oracle queue labels in between). */
async function audit(admin: string, publish: (event: DriftAlertEvent) => void) {
  const publisher = async (_env: unknown, event: DriftAlertEvent) => publish(event);
  await runDriftAudits(env, publisher);
  const running = await database(env.DB)
    .select()
    .from(filterHealth)
    .where(eq(filterHealth.state, "running"))
    .get();
  expect(running?.oracle_job_id).toBeTruthy();
  await untilJob(admin, running!.oracle_job_id!, ["succeeded", "failed", "paused"]);
  await runDriftAudits(env, publisher);
  return (await database(env.DB).select().from(filterHealth).where(eq(filterHealth.id, running!.id)).get())!;
}

describe("drift audit", () => {
  it("finds no drift while the oracle agrees, then alerts when the oracle's labels shift", async () => {
    const admin = await makeToken("admin");
    await storeFilter(filter);
    // Fixed texts: the stand-in's scores, and so which tiers a +2 shift crosses, are the same on
    // every run (random texts left the tier-agreement alert to chance).
    const first = await seedArticles(12, 1, "drift-first");
    const second = await seedArticles(12, 1, "drift-second");
    const scores = await trueScores(admin, [...first, ...second]);
    const modelId = newId("model");
    await database(env.DB)
      .insert(studentModels)
      .values({
        id: modelId,
        filter: filter.name,
        filter_version: 1,
        dataset_id: "ds_test",
        kind: "regression",
        base_model: "test",
        backend: "test",
        metrics: {
          eval: {
            accuracy: 0.9,
            tier_agreement: 0.9,
            overall_mae: 0.5,
            dimension_mae: 0.6,
            overall_spearman: 0.8,
            per_dimension: {},
            n: 100,
          },
        },
      })
      .run();
    await database(env.DB).insert(filterPromotions).values({ filter: filter.name, model_id: modelId }).run();
    const published: DriftAlertEvent[] = [];

    // Period 1: the model scored the first articles an hour ago.
    await storePredictions(
      modelId,
      scores.filter((s) => first.includes(s.article_id)),
      new Date(Date.now() - 3_600_000).toISOString(),
    );
    const calm = await audit(admin, (e) => published.push(e));
    expect(calm.state).toBe("done");
    expect(calm.figures).toMatchObject({
      n_pairs: 12,
      tier_agreement: { value: 1, promised: 0.9 },
      dimension_mae: { value: 0 },
      distribution_shift: null,
      oracle_reask: null,
      alerts: [],
      sample: { scored: 12, drawn: 12, labelled: 12 },
    });
    expect(filterHealthFiguresSchema.parse(calm.figures).missing.distribution_shift).toContain(
      "scored no article",
    );
    expect(published).toEqual([]);

    // A second run of the cron in the same period starts nothing.
    await runDriftAudits(env, async () => {});
    expect(await database(env.DB).select().from(filterHealth).all()).toHaveLength(1);

    // Period 2, eight days later: the oracle now answers two points higher on every dimension.
    const eightDaysAgo = new Date(Date.now() - 8 * DAY_MS).toISOString();
    await database(env.DB)
      .update(filterHealth)
      .set({ started_at: eightDaysAgo })
      .where(eq(filterHealth.id, calm.id))
      .run();
    await database(env.DB)
      .update(predictions)
      .set({ created_at: eightDaysAgo })
      .where(inArray(predictions.article_id, first))
      .run();
    await database(env.DB)
      .update(oracleLabels)
      .set({ created_at: eightDaysAgo })
      .where(inArray(oracleLabels.article_id, first))
      .run();
    await storePredictions(
      modelId,
      scores.filter((s) => second.includes(s.article_id)),
      new Date(Date.now() - 3_600_000).toISOString(),
    );
    await standin({ bias: { "gemini-2.5-flash": 2 } });
    const drifted = await audit(admin, (e) => published.push(e));
    expect(drifted.state).toBe("done");
    const figures = filterHealthFiguresSchema.parse(drifted.figures);
    expect(figures.dimension_mae?.value).toBeGreaterThan(1.1);
    expect(figures.alerts.map((a) => a.figure)).toEqual(
      expect.arrayContaining(["dimension_mae", "tier_agreement"]),
    );
    expect(figures.oracle_reask?.n).toBe(4);
    // Twelve articles per period are too few for a distribution: null with the reason, never 0.
    expect(figures.distribution_shift).toBeNull();
    expect(figures.missing.distribution_shift).toContain("12 in this period, 12 in the previous");
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({
      type: "filter.drift_alert",
      point: { id: drifted.id, state: "done" },
    });
    expect(published[0]!.history.map((p) => p.id)).toEqual([drifted.id, calm.id]);

    const response = await call(`/v1/filters/${filter.name}/health?limit=10`, {
      token: await makeToken("bot"),
    });
    expect(response.status).toBe(200);
    const health = filterHealthResponseSchema.parse(await response.json());
    expect(health.points.map((p) => p.id)).toEqual([drifted.id, calm.id]);
    expect(health).toMatchObject({ model_id: modelId, every_days: 7, enabled: true });
    expect(Date.parse(health.next_due_at!)).toBeGreaterThan(Date.now() + 6 * DAY_MS);
    expect(health.points[0]!.figures?.alerts.length).toBeGreaterThan(0);
    // Three oracle jobs and the re-asks through the stand-in: more than the default 5 s.
  }, 60_000);

  it("answers 404 for an unknown filter, and refuses an audit without a promoted model", async () => {
    const admin = await makeToken("admin");
    const unpromoted = { ...filter, name: "drift-unpromoted" };
    await storeFilter(unpromoted);
    expect((await call("/v1/filters/no-such-filter/health", { token: admin })).status).toBe(404);
    const refused = await call(`/v1/filters/${unpromoted.name}/audit`, { token: admin, method: "POST" });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe(
      "drift.no_promoted_model",
    );
    const submitter = await makeToken("submitter");
    expect(
      (await call(`/v1/filters/${unpromoted.name}/audit`, { token: submitter, method: "POST" })).status,
    ).toBe(403);
  });
});
