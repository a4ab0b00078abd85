import { env } from "cloudflare:test";
import { errorBodySchema } from "@distillery/shared";
import { describe, expect, it } from "vitest";
import { call, makeToken } from "../../test/helpers";
import { attachmentDisposition } from "./attachment";

/** Ids that must never reach a query, an R2 key or a header: CR/LF, a quote, a path, the wrong kind. */
const MALFORMED = ["x%0D%0Aset-cookie:%20a=1", "x%22;%20filename=%22evil.sh", "..%2F..%2Fsecret", "job%20x"];

/** Every route that takes an id in its path, with the prefix its kind uses. */
const ROUTES: [method: string, path: (id: string) => string, prefix: string, json?: unknown][] = [
  ["GET", (id) => `/v1/articles/${id}`, "art_"],
  ["GET", (id) => `/v1/jobs/${id}`, "job_"],
  ["PATCH", (id) => `/v1/jobs/${id}`, "job_", { budget_usd: 5 }],
  ["POST", (id) => `/v1/jobs/${id}/cancel`, "job_"],
  ["PUT", (id) => `/v1/jobs/${id}/notify`, "job_", { channel_id: "1", user_id: "1" }],
  ["GET", (id) => `/v1/jobs/${id}/errors`, "job_"],
  ["GET", (id) => `/v1/jobs/${id}/report`, "job_"],
  ["GET", (id) => `/v1/jobs/${id}/charts/scatter.png`, "job_"],
  ["GET", (id) => `/v1/models/${id}`, "mdl_"],
  ["GET", (id) => `/v1/models/${id}/artifact`, "mdl_"],
  ["PUT", (id) => `/v1/models/${id}/artifact`, "mdl_"],
  ["GET", (id) => `/v1/datasets/${id}`, "ds_"],
  ["GET", (id) => `/v1/datasets/${id}/rows?split=train`, "ds_"],
  ["GET", (id) => `/v1/imports/${id}`, "upl_"],
  ["PUT", (id) => `/v1/imports/${id}/parts/1`, "upl_"],
  ["POST", (id) => `/v1/imports/${id}/complete`, "upl_"],
  ["GET", (id) => `/v1/nodes/jobs/${id}/shards/0/input`, "job_"],
  ["GET", (id) => `/v1/nodes/jobs/${id}/inputs/train`, "job_"],
  ["POST", (id) => `/v1/webhooks/secrets/${id}/revoke`, "whs_"],
];

describe("ids in paths", () => {
  it("every route refuses a malformed id with 400 request.invalid naming the param", async () => {
    const admin = await makeToken("admin");
    for (const [method, path, prefix, json] of ROUTES) {
      for (const tail of MALFORMED) {
        const url = path(`${prefix}${tail}`);
        const response = await call(url, {
          token: admin,
          method,
          ...(json === undefined ? { body: method === "GET" ? undefined : "" } : { json }),
          headers: { "x-content-sha256": "0".repeat(64) },
        });
        const body = errorBodySchema.safeParse(await response.json().catch(() => null));
        expect([method, url, response.status, body.data?.error.code]).toEqual([
          method,
          url,
          400,
          "request.invalid",
        ]);
        expect(body.data?.error.details.some((d) => ["id", "job_id"].includes(d.path))).toBe(true);
      }
      // An id of another kind is malformed too (a model id where a job id belongs).
      const other = prefix === "mdl_" ? "job_0lx8k2abcdefghijklmnop" : "mdl_0lx8k2abcdefghijklmnop";
      const response = await call(path(other), { token: admin, method, json });
      expect([path(other), response.status]).toEqual([path(other), 400]);
    }
  });

  it("serves an artifact with a Content-Disposition naming the model's file", async () => {
    const id = "mdl_0lx8k2abcdefghij-klmnop";
    await env.BUCKET.put(`models/${id}/adapter.tar.gz`, new Uint8Array([1, 2, 3]), {
      customMetadata: { sha256: "0".repeat(64) },
    });
    const response = await call(`/v1/models/${id}/artifact`, { token: await makeToken("bot") });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-disposition")).toBe(`attachment; filename="${id}.tar.gz"`);
    await response.arrayBuffer();
  });

  it("builds Content-Disposition so no file name can add a parameter or a header", () => {
    expect(attachmentDisposition('a"; filename="evil.sh')).toBe(
      `attachment; filename="a__ filename=_evil.sh"; filename*=UTF-8''a%22%3B%20filename%3D%22evil.sh`,
    );
    expect(attachmentDisposition("r\r\nset-cookie: x")).not.toMatch(/[\r\n]/);
    expect(attachmentDisposition("café.csv")).toBe(
      `attachment; filename="caf_.csv"; filename*=UTF-8''caf%C3%A9.csv`,
    );
  });
});
