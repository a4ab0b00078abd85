import { env } from "cloudflare:test";
import { datasetSchema, pageSchema, studentModelSchema } from "@distillery/shared";
import { describe, expect, it } from "vitest";
import { call, makeToken } from "../../test/helpers";

const run = crypto.randomUUID().slice(0, 8);

async function seedModel(id: string, filter: string, metrics: Record<string, unknown> = {}) {
  await env.DB.prepare(
    `INSERT INTO student_models (id, filter, filter_version, dataset_id, job_id, kind, base_model, backend, metrics)
     VALUES (?, ?, 1, 'ds_models', 'job_x', 'regression', 'Qwen/Qwen2.5-0.5B', 'peft', ?)`,
  )
    .bind(id, filter, JSON.stringify(metrics))
    .run();
}

describe("/v1/models", () => {
  it("lists models newest first, one filter's on request, a page at a time", async () => {
    for (const [i, filter] of ["alpha", "beta", "alpha"].entries()) {
      await seedModel(`mdl_${run}${i}`, `${filter}-${run}`);
    }
    const token = await makeToken("bot");
    const page = pageSchema(studentModelSchema);
    const alpha = page.parse(await (await call(`/v1/models?filter=alpha-${run}`, { token })).json());
    expect(alpha.items.map((m) => m.id)).toEqual([`mdl_${run}2`, `mdl_${run}0`]);
    const first = page.parse(await (await call(`/v1/models?filter=alpha-${run}&limit=1`, { token })).json());
    expect(first.items.map((m) => m.id)).toEqual([`mdl_${run}2`]);
    const second = page.parse(
      await (
        await call(`/v1/models?filter=alpha-${run}&limit=1&cursor=${first.next_cursor}`, { token })
      ).json(),
    );
    expect(second.items.map((m) => m.id)).toEqual([`mdl_${run}0`]);
    expect(second.next_cursor).toBeNull();
  });

  it("reads one model with its metrics (the latest eval job), 404 for an unknown one", async () => {
    await seedModel(`mdl_${run}one`, "gamma", { eval_job_id: "job_eval1", train_loss: 0.4 });
    const token = await makeToken("submitter");
    const response = await call(`/v1/models/mdl_${run}one`, { token });
    expect(response.status).toBe(200);
    const model = studentModelSchema.parse(await response.json());
    expect(model).toMatchObject({
      filter: "gamma",
      kind: "regression",
      metrics: { eval_job_id: "job_eval1" },
    });
    const missing = await call("/v1/models/mdl_nope", { token });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("model.not_found");
    expect((await call("/v1/models")).status).toBe(401);
  });
});

describe("/v1/datasets", () => {
  it("lists datasets newest first, one filter's on request", async () => {
    const report = { total: 10, splits: { train: 8, validation: 1, test: 1 }, warnings: [] };
    for (const i of [0, 1]) {
      await env.DB.prepare(
        "INSERT INTO datasets (id, filter, filter_version, seed, report, content_hash) VALUES (?, ?, 1, 42, ?, 'h')",
      )
        .bind(`ds_${run}${i}`, `delta-${run}`, JSON.stringify(report))
        .run();
    }
    const token = await makeToken("bot");
    const body = (await (await call(`/v1/datasets?filter=delta-${run}`, { token })).json()) as {
      items: { id: string; report: { total: number } }[];
    };
    expect(body.items.map((d) => d.id)).toEqual([`ds_${run}1`, `ds_${run}0`]);
    expect(body.items[0]?.report.total).toBe(10);
    expect(datasetSchema.shape.id.parse(body.items[0]?.id)).toBe(`ds_${run}1`);
  });
});

describe("/v1/oracle/spend", () => {
  it("reports the daily budget next to the spend", async () => {
    const token = await makeToken("bot");
    const today = new Date().toISOString().slice(0, 10);
    const spend = (await (await call(`/v1/oracle/spend?since=${today}`, { token })).json()) as {
      total_usd: number;
      budget_usd_per_day: number;
    };
    expect(spend.budget_usd_per_day).toBe(50);
    expect(spend.total_usd).toBeGreaterThanOrEqual(0);
  });
});
