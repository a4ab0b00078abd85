/**
 * Active labelling inside workerd: a student's predictions stored as an infer job stores them, then an
 * oracle job with an `uncertain` selection run through the real oracle stage (queue, D1, the Gemini
 * stand-in started by the test project's global setup).
 */
import { env } from "cloudflare:test";
import { exampleFilter } from "@distillery/shared";
import { describe, expect, it } from "vitest";
import { call, createOracleJob, makeToken, storeArticle, storeFilter, untilJob } from "../../test/helpers";
import { newId } from "../db/client";

const filter = exampleFilter();
const WORDS =
  "solar wind grid battery storage heat pump factory policy market price capacity output plant city".split(
    " ",
  );

/** A text of its own for article `i` (no two near duplicates), about solar power so it passes the prefilter. */
function text(i: number): string {
  let state = i * 7919 + 13;
  const words: string[] = [];
  for (let k = 0; k < 50; k++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    words.push(WORDS[state % WORDS.length]!);
  }
  return `Solar report ${i}: ${words.join(" ")}.`;
}

async function storeModel(): Promise<string> {
  const modelId = newId("mdl");
  await env.DB.prepare(
    `INSERT INTO student_models (id, filter, filter_version, dataset_id, job_id, kind, base_model, backend, metrics)
     VALUES (?, ?, 1, 'ds_active', 'job_x', 'regression', 'probe', 'probe', '{}')`,
  )
    .bind(modelId, filter.name)
    .run();
  return modelId;
}

/** Stores a finished infer job of `modelId` with one prediction per row (overall, interval or none). */
async function storePredictions(
  modelId: string,
  rows: { id: string; overall: number; interval: [number, number] | null }[],
) {
  const jobId = newId("job");
  const spec = { kind: "infer", model_id: modelId, selection: { type: "all" }, shards: 1 };
  await env.DB.prepare(
    `INSERT INTO jobs (id, kind, state, spec, progress, attempts, created_by, created_at, updated_at)
     VALUES (?1, 'infer', 'succeeded', ?2, '{"done":0,"total":null}', 0, 'test', ?3, ?3)`,
  )
    .bind(jobId, JSON.stringify(spec), new Date().toISOString())
    .run();
  for (const row of rows) {
    const s = row.overall;
    await env.DB.prepare(
      `INSERT INTO predictions (job_id, article_id, model_id, filter, filter_version, scores, overall, tier,
         interval_low, interval_high, overall_scale)
       VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6, 'low', ?7, ?8, ?9)`,
    )
      .bind(
        jobId,
        row.id,
        modelId,
        filter.name,
        JSON.stringify({ deployment: s, impact: s, evidence: s }),
        s,
        row.interval?.[0] ?? null,
        row.interval?.[1] ?? null,
        row.interval ? (row.interval[1] - row.interval[0]) / 2 : null,
      )
      .run();
  }
}

async function selections(table: "oracle_items" | "oracle_labels", where: string, value: string) {
  const { results } = await env.DB.prepare(`SELECT article_id, selection FROM ${table} WHERE ${where} = ?1`)
    .bind(value)
    .all<{ article_id: string; selection: string }>();
  return new Map(results.map((r) => [r.article_id, r.selection]));
}

describe("uncertain selection", () => {
  it("labels the doubtful articles, a random share, never two near duplicates, and records how each was chosen", async () => {
    await storeFilter(filter);
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push(await storeArticle(`Solar ${i}`, text(i)));
    // The two most doubtful articles are the same story, republished with a line added.
    const original = await storeArticle("Solar dup", text(100));
    const copy = await storeArticle("Solar dup", `${text(100)} Photo: Reuters.`);
    const modelId = await storeModel();
    // 6 intervals cross the medium/low boundary at 4 (widths 2.0-2.5), 24 sit inside one tier (width 0.1-2.4).
    const crossing = ids.slice(0, 6);
    const inside = ids.slice(6, 30);
    await storePredictions(modelId, [
      { id: original, overall: 4, interval: [1, 7.5] },
      { id: copy, overall: 4, interval: [1, 7.4] },
      ...crossing.map((id, k) => ({ id, overall: 4, interval: [3, 5 + k / 10] as [number, number] })),
      ...inside.map((id, k) => ({ id, overall: 1.5, interval: [0.2, 0.3 + k / 10] as [number, number] })),
    ]);
    const token = await makeToken("bot");

    const job = await createOracleJob(token, filter.name, {
      selection: { type: "uncertain", count: 10, model_id: modelId, seed: 3 },
      budget_usd: 1,
    });
    const done = await untilJob(token, job.id, ["succeeded", "failed"]);
    expect(done.state).toBe("succeeded");

    const items = await selections("oracle_items", "job_id", job.id);
    const chosen = [...items.keys()];
    expect(chosen).toHaveLength(10);
    const uncertain = chosen.filter((id) => items.get(id) === "uncertain");
    const random = chosen.filter((id) => items.get(id) === "random");
    expect(random).toHaveLength(2);
    // 8 doubt picks: the story once, the 6 other crossing intervals, then the widest interval inside a tier.
    expect(new Set(uncertain)).toEqual(new Set([original, ...crossing, inside[23]!]));
    expect(chosen.includes(original) && chosen.includes(copy)).toBe(false);
    for (const id of random) expect([...crossing, original, copy, inside[23]]).not.toContain(id);

    const labels = await selections("oracle_labels", "job_id", job.id);
    expect(labels.size).toBe(10);
    for (const [id, selection] of labels) expect(selection).toBe(items.get(id));

    // A second round leaves out what this oracle labelled: the copy (spread within a job, not across
    // jobs) and then the next widest inside a tier.
    const next = await createOracleJob(token, filter.name, {
      selection: { type: "uncertain", count: 3, model_id: modelId, random_share: 0 },
      budget_usd: 1,
    });
    await untilJob(token, next.id, ["succeeded", "failed"]);
    const again = await selections("oracle_items", "job_id", next.id);
    const expected = [copy, ...inside.slice(0, 23).reverse()]
      .filter((id) => !random.includes(id))
      .slice(0, 3);
    expect(new Set(again.keys())).toEqual(new Set(expected));
    expect([...again.values()]).toEqual(["uncertain", "uncertain", "uncertain"]);
  });

  it("refuses a model without intervals, naming selection.model_id and why", async () => {
    await storeFilter(filter);
    const id = await storeArticle("Solar", text(1));
    const token = await makeToken("bot");
    const spec = (modelId: string) => ({
      kind: "oracle",
      filter: filter.name,
      selection: { type: "uncertain", count: 5, model_id: modelId },
      budget_usd: 1,
    });

    const unscored = await storeModel();
    const first = await call("/v1/jobs", { token, json: spec(unscored) });
    expect(first.status).toBe(400);
    expect(await first.json()).toMatchObject({
      error: { code: "job.invalid_spec", details: [{ path: "selection.model_id" }] },
    });

    const uncalibrated = await storeModel();
    await storePredictions(uncalibrated, [{ id, overall: 2, interval: null }]);
    const second = await call("/v1/jobs", { token, json: spec(uncalibrated) });
    expect(second.status).toBe(400);
    const body = (await second.json()) as {
      error: { message: string; details: { path: string; issue: string }[] };
    };
    expect(body.error.details[0]!.path).toBe("selection.model_id");
    expect(body.error.details[0]!.issue).toMatch(/no intervals/);
  });
});
