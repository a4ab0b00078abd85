import { env } from "cloudflare:test";
import {
  errorBodySchema,
  importResultSchema,
  jobSchema,
  lineErrorSchema,
  pageSchema,
  uploadSchema,
} from "@distillery/shared";
import { describe, expect, it } from "vitest";
import { call, makeToken } from "../../test/helpers";
import { getJob } from "../jobs/index";

function ndjson(count: number, badLines: Map<number, string>): string {
  const lines: string[] = [];
  for (let i = 1; i <= count; i++) {
    lines.push(
      badLines.get(i) ??
        JSON.stringify({
          url: `https://import.example/${i}`,
          title: `Imported ${i}`,
          body: `Body of imported article ${i}. `.repeat(90),
          language: "en",
          source: "import-test",
        }),
    );
  }
  return `${lines.join("\n")}\n`;
}

async function waitForJob(id: string, token: string) {
  for (let i = 0; i < 200; i++) {
    const job = await getJob(env, id);
    if (["succeeded", "failed", "cancelled"].includes(job.state)) return job;
    await scheduler.wait(50);
  }
  throw new Error(`job ${id} did not finish; last state ${(await getJob(env, id)).state} (${token.length})`);
}

async function upload(token: string, text: string) {
  const created = uploadSchema.parse(
    await (await call("/v1/imports", { token, json: { filename: "a.ndjson" } })).json(),
  );
  const bytes = new TextEncoder().encode(text);
  const parts = Math.ceil(bytes.length / created.part_bytes);
  // Send the parts out of order: the server orders them.
  for (let n = parts; n >= 1; n--) {
    const part = bytes.slice((n - 1) * created.part_bytes, n * created.part_bytes);
    const response = await call(`/v1/imports/${created.id}/parts/${n}`, {
      token,
      method: "PUT",
      body: part,
      headers: { "content-type": "application/octet-stream" },
    });
    expect(response.status).toBe(200);
  }
  return { id: created.id, parts };
}

describe("bulk import", () => {
  it("uploads in parts, imports in chunks through the queue, and reports bad lines", async () => {
    const token = await makeToken("submitter");
    const bad = new Map([
      [7, "{oops"],
      [1_500, JSON.stringify({ url: "https://import.example/x", title: "t", body: "b", language: "en" })],
    ]);
    const text = ndjson(2_300, bad);
    const { id, parts } = await upload(token, text);
    expect(parts).toBeGreaterThan(1);

    const status = uploadSchema.parse(await (await call(`/v1/imports/${id}`, { token })).json());
    expect(status.parts.map((p) => p.part_number)).toEqual(Array.from({ length: parts }, (_, i) => i + 1));

    const early = await call("/v1/jobs", { token, json: { kind: "import", upload_id: id } });
    expect(early.status).toBe(409);
    expect(errorBodySchema.parse(await early.json()).error.code).toBe("upload.incomplete");

    const completed = await call(`/v1/imports/${id}/complete`, { token, method: "POST" });
    expect(uploadSchema.parse(await completed.json()).state).toBe("complete");

    const job = jobSchema.parse(
      await (await call("/v1/jobs", { token, json: { kind: "import", upload_id: id } })).json(),
    );
    const finished = await waitForJob(job.id, token);
    expect(finished.state).toBe("succeeded");
    const result = importResultSchema.parse(finished.result);
    expect(result).toMatchObject({ lines: 2_300, created: 2_298, existing: 0, rejected: 2 });
    expect(finished.progress.done).toBe(new TextEncoder().encode(text).length);

    const stored = await env.DB.prepare(
      "SELECT count(*) AS n FROM articles WHERE source = 'import-test'",
    ).first<{ n: number }>();
    expect(stored?.n).toBe(2_298);

    const errors = pageSchema(lineErrorSchema).parse(await (await call(result.errors_url, { token })).json());
    expect(errors.items.map((e) => [e.line, e.path])).toEqual([
      [7, "(root)"],
      [1_500, "source"],
    ]);
  }, 20_000);
});
