import { env } from "cloudflare:test";
import { sampleEvalReport } from "@distillery/shared";
import { describe, expect, it } from "vitest";
import { call, makeToken } from "../../test/helpers";

async function seedEvalJob(id: string): Promise<void> {
  await env.DB.prepare(
    `INSERT INTO jobs (id, kind, state, spec, progress, attempts, created_by, created_at, updated_at)
     VALUES (?, 'eval', 'succeeded', '{"kind":"eval","model_id":"mdl_c"}', '{"done":1,"total":1}', 1, 't', '2026-11-25T10:00:00.000Z', '2026-11-25T10:00:00.000Z')`,
  )
    .bind(id)
    .run();
  await env.BUCKET.put(`reports/${id}.json`, JSON.stringify(sampleEvalReport(60)));
}

describe("GET /v1/jobs/{id}/charts/{name}.png", () => {
  it("renders each chart of an eval report in the worker as a 1280×800 PNG", async () => {
    await seedEvalJob("job_charts1");
    const token = await makeToken("bot");
    for (const name of ["scatter", "dimension-mae", "tier-confusion", "loss-curve"]) {
      const response = await call(`/v1/jobs/job_charts1/charts/${name}.png`, { token });
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("image/png");
      const bytes = new Uint8Array(await response.arrayBuffer());
      const view = new DataView(bytes.buffer);
      expect(String.fromCharCode(...bytes.subarray(1, 4))).toBe("PNG");
      expect([view.getUint32(16), view.getUint32(20)]).toEqual([1280, 800]);
      // Text is drawn (axis labels, title): a chart with no font would be far smaller.
      expect(bytes.length).toBeGreaterThan(20_000);
    }
  });

  it("names the charts there are, and refuses jobs without a report", async () => {
    await seedEvalJob("job_charts2");
    const token = await makeToken("bot");
    const unknown = await call("/v1/jobs/job_charts2/charts/pie.png", { token });
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain("scatter.png");
    expect((await call("/v1/jobs/job_nope/charts/scatter.png", { token })).status).toBe(404);
  });
});
