/**
 * Bake-offs end to end inside workerd: the real queue, D1, the limiter DO and the real SDK calling
 * the Gemini stand-in, whose per-model knobs make Flash-Lite one point generous and noisy.
 */
import { env } from "cloudflare:test";
import {
  type BakeoffReport,
  bakeoffEstimateSchema,
  bakeoffReportSchema,
  exampleFilter,
  jobSchema,
} from "@distillery/shared";
import { afterEach, describe, expect, it } from "vitest";
import { call, makeToken, seedArticles, standinStats, storeFilter, untilJob } from "../../test/helpers";
import { database } from "../db/client";
import { oracleLabels } from "../db/schema";
import { redriveStalledJobs } from "../jobs/redrive";
import { processBakeoffItem } from "./consumer";

const GEMINI = "http://127.0.0.1:8822";
const filter = exampleFilter();
const FLASH = { provider: "gemini", model: "gemini-2.5-flash" };
const LITE = { provider: "gemini", model: "gemini-2.5-flash-lite" };

async function standin(config: Record<string, unknown>) {
  const response = await fetch(`${GEMINI}/__standin/config`, {
    method: "POST",
    body: JSON.stringify(config),
  });
  expect(response.ok).toBe(true);
}

const createBakeoff = (token: string, spec: Record<string, unknown>) =>
  call("/v1/jobs", { token, json: { kind: "bakeoff", filter: filter.name, ...spec } });

/** Labels, with the filter's own oracle, the same stratified sample a bake-off of `count` draws. */
async function labelSampleFirst(token: string, count: number) {
  const selection = { type: "sample", count, seed: 42 };
  const labelling = await call("/v1/jobs", {
    token,
    json: { kind: "oracle", filter: filter.name, selection, budget_usd: 1 },
  });
  expect(labelling.status).toBe(201);
  const labelJob = jobSchema.parse(await labelling.json());
  expect((await untilJob(token, labelJob.id, ["succeeded", "failed"])).state).toBe("succeeded");
}

afterEach(async () => {
  await standin({ bias: 0, noise: 0 });
});

describe("bake-off jobs", () => {
  it("tells bias from noise, prices each oracle per article and lists the disagreements", async () => {
    const bot = await makeToken("bot");
    await storeFilter(filter);
    // Fixed texts: the stand-in's scores, its noise and so the measured bias are the same on every run.
    const ids = await seedArticles(20, 1, "bakeoff-bias");
    await standin({ bias: { "gemini-2.5-flash-lite": 1.0 }, noise: { "gemini-2.5-flash-lite": 0.6 } });
    const before = await standinStats(GEMINI);
    const response = await createBakeoff(bot, {
      oracles: [FLASH, LITE],
      sample: { count: 20 },
      repeat: 5,
      budget_usd: 5,
    });
    expect(response.status).toBe(201);
    const job = jobSchema.parse(await response.json());
    const done = await untilJob(bot, job.id, ["succeeded", "failed"]);
    expect(done.state).toBe("succeeded");
    const report: BakeoffReport = bakeoffReportSchema.parse(done.result);

    // Twenty first asks and five repeats per oracle, each called exactly once.
    expect((await standinStats(GEMINI)).calls - before.calls).toBe(2 * (20 + 5));
    expect(report.sample).toMatchObject({ requested: 20, selected: 20, labelled_by_all: 20 });
    expect(report.stopped_reason).toBeUndefined();

    const [flash, lite] = report.oracles;
    expect(flash).toMatchObject({ name: "gemini:gemini-2.5-flash", labelled: 20, failed: 0 });
    expect(lite).toMatchObject({ name: "gemini:gemini-2.5-flash-lite", labelled: 20, failed: 0 });
    // Noise: Flash answers the same twice; Flash-Lite does not.
    expect(flash!.self_consistency).toMatchObject({ n: 5, overall_mae: 0, tier_agreement: 1 });
    expect(flash!.self_consistency!.dimension_mae.mean).toBe(0);
    expect(lite!.self_consistency!.n).toBe(5);
    expect(lite!.self_consistency!.dimension_mae.mean).toBeGreaterThan(0.2);
    // Bias: Flash-Lite scores about a point higher (less where scores are clamped at 10).
    const [pair] = report.pairs;
    expect(pair).toMatchObject({ a: flash!.name, b: lite!.name, n: 20 });
    for (const dimension of pair!.dimensions) {
      expect(dimension.bias).toBeLessThan(-0.6);
      expect(dimension.bias).toBeGreaterThan(-1.3);
      expect(dimension.correlation).toBeGreaterThan(0.8);
    }
    // Cost: both paid per article, Flash-Lite for less.
    expect(flash!.usd_per_article).toBeGreaterThan(0);
    expect(lite!.usd_per_article).toBeGreaterThan(0);
    expect(lite!.usd_per_article!).toBeLessThan(flash!.usd_per_article!);
    expect(report.spent_usd).toBeCloseTo(flash!.cost_usd + lite!.cost_usd, 6);
    expect(report.disagreements_total).toBeGreaterThan(0);
    expect(report.disagreements).toHaveLength(report.disagreements_total);
    for (const disagreement of report.disagreements) {
      const tiers = Object.values(disagreement.answers).map((a) => a.tier);
      expect(new Set(tiers).size).toBeGreaterThan(1);
      expect(disagreement.title).toMatch(/^Wind farm/);
    }
    // Bake-off answers never become labels.
    // A duplicated delivery of an answered item calls nothing.
    const calls = (await standinStats(GEMINI)).calls;
    const again = { job_id: job.id, oracle: lite!.name, article_id: ids[0]!, replicate: 0 as const };
    expect(await processBakeoffItem(env, again)).toBe("ignored");
    expect((await standinStats(GEMINI)).calls).toBe(calls);
    const labels = await database(env.DB).select().from(oracleLabels).all();
    expect(labels.filter((label) => ids.includes(label.article_id))).toHaveLength(0);
  }, 60_000);

  it("reuses an existing label for a first ask, and ends with what it has at the budget cap", async () => {
    const bot = await makeToken("bot");
    await storeFilter(filter);
    await seedArticles(4);
    await labelSampleFirst(bot, 4);

    const before = await standinStats(GEMINI);
    const response = await createBakeoff(bot, {
      oracles: [FLASH, LITE],
      sample: { count: 4 },
      repeat: 0,
      // Room for a few Flash-Lite answers, not for all of them.
      budget_usd: 0.0002,
    });
    const job = jobSchema.parse(await response.json());
    const done = await untilJob(bot, job.id, ["succeeded", "failed"]);
    const report = bakeoffReportSchema.parse(done.result);
    const [flash, lite] = report.oracles;
    // Flash's first asks came from its labels: no call, their recorded cost per article.
    expect(flash).toMatchObject({ labelled: 4 });
    expect(flash!.usd_per_article).toBeGreaterThan(0);
    const calls = (await standinStats(GEMINI)).calls - before.calls;
    expect(calls).toBe(lite!.labelled + lite!.failed);
    expect(report.spent_usd).toBeLessThanOrEqual(0.0002);
    expect(lite!.labelled).toBeLessThan(4);
    expect(report.stopped_reason).toMatch(/budget cap/);
    expect(done.state).toBe("succeeded");
    expect(report.missing["oracles.0.self_consistency"]).toMatch(/repeat is 0/);
  }, 60_000);

  it("a dry run draws the sample and prices each contestant, calling nothing and storing nothing", async () => {
    const bot = await makeToken("bot");
    await storeFilter(filter);
    await seedArticles(6);
    await labelSampleFirst(bot, 6);
    const before = await standinStats(GEMINI);
    const response = await createBakeoff(bot, {
      oracles: [FLASH, { ...FLASH, thinking: 1024 }, LITE],
      sample: { count: 6 },
      repeat: 2,
      budget_usd: 1,
      dry_run: true,
    });
    expect(response.status).toBe(201);
    const job = jobSchema.parse(await response.json());
    const done = await untilJob(bot, job.id, ["succeeded", "failed"]);
    expect(done.state).toBe("succeeded");
    const estimate = bakeoffEstimateSchema.parse(done.result);
    expect((await standinStats(GEMINI)).calls).toBe(before.calls);
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM bakeoff_items WHERE job_id = ?1")
      .bind(job.id)
      .first<{ n: number }>();
    expect(rows?.n).toBe(0);

    expect(estimate.sample).toEqual({ requested: 6, selected: 6, repeated: 2 });
    const [plain, thinking, lite] = estimate.oracles;
    // Flash without thinking has the six labels: only its two repeats would be calls.
    expect(plain).toMatchObject({
      name: "gemini:gemini-2.5-flash:0",
      reused: 6,
      calls: 2,
      thinking_tokens: 0,
    });
    expect(thinking).toMatchObject({ name: "gemini:gemini-2.5-flash:1024", reused: 0, calls: 8 });
    expect(thinking!.thinking_tokens).toBe(8 * 1024);
    expect(lite).toMatchObject({ name: "gemini:gemini-2.5-flash-lite", reused: 0, calls: 8 });
    expect(lite!.usd).toBeLessThan(thinking!.usd);
    expect(estimate.usd).toBeCloseTo(plain!.usd + thinking!.usd + lite!.usd, 6);
    expect(estimate.budget_usd).toBe(1);
    expect(estimate.banner).toMatch(/stand-in/i);
  }, 60_000);

  it("re-drives a stalled bake-off: its pending items are sent again and it finishes", async () => {
    const bot = await makeToken("bot");
    await storeFilter(filter);
    await seedArticles(2);
    const response = await createBakeoff(bot, {
      oracles: [FLASH, LITE],
      sample: { count: 2 },
      repeat: 0,
      budget_usd: 1,
    });
    const job = jobSchema.parse(await response.json());
    await untilJob(bot, job.id, ["succeeded"]);
    // As if the job had lost the message of one item: pending again, the job running and quiet.
    await env.DB.batch([
      env.DB.prepare(
        "UPDATE bakeoff_items SET state = 'pending', scores = NULL, cost_usd = 0 WHERE job_id = ?1 AND rowid = (SELECT min(rowid) FROM bakeoff_items WHERE job_id = ?1)",
      ).bind(job.id),
      env.DB.prepare("UPDATE jobs SET state = 'running', finished_at = NULL WHERE id = ?1").bind(job.id),
    ]);
    const before = await standinStats(GEMINI);
    expect(await redriveStalledJobs(env, Date.now() + 5 * 60_000)).toContain(job.id);
    const done = await untilJob(bot, job.id, ["succeeded"]);
    expect((await standinStats(GEMINI)).calls - before.calls).toBe(1);
    const report = bakeoffReportSchema.parse(done.result);
    expect(report.oracles.map((o) => o.labelled)).toEqual([2, 2]);
  }, 60_000);

  it("refuses a bake-off of one oracle, and a thinking setting the model does not take, naming the field", async () => {
    const bot = await makeToken("bot");
    await storeFilter(filter);
    const one = await createBakeoff(bot, { oracles: [FLASH], budget_usd: 1 });
    expect(one.status).toBe(400);
    const oneBody = (await one.json()) as { error: { details: { path: string }[] } };
    expect(oneBody.error.details.map((d) => d.path)).toContain("oracles");

    const thinking = await createBakeoff(bot, {
      oracles: [FLASH, { ...LITE, thinking: 100 }],
      budget_usd: 1,
    });
    expect(thinking.status).toBe(400);
    const body = (await thinking.json()) as { error: { code: string; details: { path: string }[] } };
    expect(body.error.code).toBe("oracle.invalid_setting");
    expect(body.error.details.map((d) => d.path)).toEqual(["oracles.1.thinking"]);

    const twice = await createBakeoff(bot, { oracles: [FLASH, FLASH], budget_usd: 1 });
    expect(twice.status).toBe(400);
    expect(((await twice.json()) as { error: { code: string } }).error.code).toBe("bakeoff.duplicate_oracle");
    // Flash's default thinking is 0: naming it is the same contestant again.
    const same = await createBakeoff(bot, { oracles: [FLASH, { ...FLASH, thinking: 0 }], budget_usd: 1 });
    expect(same.status).toBe(400);
    const sameBody = (await same.json()) as { error: { code: string; details: { path: string }[] } };
    expect(sameBody.error.code).toBe("bakeoff.duplicate_oracle");
    expect(sameBody.error.details.map((d) => d.path)).toEqual(["oracles.1"]);
  });

  it("lets two thinking settings of one model compete; only the filter's setting reuses its labels", async () => {
    const bot = await makeToken("bot");
    await storeFilter(filter);
    await seedArticles(3);
    await labelSampleFirst(bot, 3);

    const before = await standinStats(GEMINI);
    const response = await createBakeoff(bot, {
      oracles: [FLASH, { ...FLASH, thinking: 1024 }],
      sample: { count: 3 },
      repeat: 0,
      budget_usd: 1,
    });
    expect(response.status).toBe(201);
    const job = jobSchema.parse(await response.json());
    const done = await untilJob(bot, job.id, ["succeeded", "failed"]);
    expect(done.state).toBe("succeeded");
    const report = bakeoffReportSchema.parse(done.result);
    const [plain, thinking] = report.oracles;
    expect(plain).toMatchObject({ name: "gemini:gemini-2.5-flash:0", labelled: 3 });
    expect(thinking).toMatchObject({ name: "gemini:gemini-2.5-flash:1024", labelled: 3 });
    // The labels were made without thinking: the 1024 contestant asked all three anew, the other none.
    expect((await standinStats(GEMINI)).calls - before.calls).toBe(3);
    expect(thinking!.tokens.thinking).toBeGreaterThan(0);
    expect(plain!.tokens.thinking).toBe(0);
    expect(thinking!.usd_per_article!).toBeGreaterThan(plain!.usd_per_article!);
    expect(report.pairs[0]).toMatchObject({ a: plain!.name, b: thinking!.name, n: 3 });
  }, 60_000);
});
