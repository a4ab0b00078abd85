import { env } from "cloudflare:test";
import { EXAMPLE_FILTER_YAML, EXAMPLE_PROMPT, exportLinkSchema } from "@distillery/shared";
import { describe, expect, it } from "vitest";
import { call, makeToken } from "../../test/helpers";
import { createApp } from "../app";

async function publishExample(): Promise<void> {
  const admin = await makeToken("admin");
  // Publishes version 1 the first time; later calls get a 409 and reuse it.
  await call("/v1/filters", {
    token: admin,
    json: { filter_yaml: EXAMPLE_FILTER_YAML, prompt_md: EXAMPLE_PROMPT },
  });
}

async function link(json: unknown, token?: string) {
  const response = await call("/v1/exports/links", { token: token ?? (await makeToken("bot")), json });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** The link's path and query, to fetch through the test worker. */
const pathOf = (url: string) => {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
};

describe("POST /v1/exports/links", () => {
  it("gives a signed link that downloads the labels with no token until it expires", async () => {
    await publishExample();
    const created = await link({
      kind: "labels",
      filter: "example-energy",
      format: "csv",
      expires_in_s: 600,
    });
    expect(created.status).toBe(201);
    const { url, expires_at } = exportLinkSchema.parse(created.body);
    const query = new URL(url).searchParams;
    expect(new URL(url).pathname).toBe("/v1/exports/labels");
    expect(query.get("format")).toBe("csv");
    expect(query.get("signature")).toMatch(/^[0-9a-f]{64}$/);
    expect(Date.parse(expires_at) - Date.now()).toBeGreaterThan(590_000);
    const download = await call(pathOf(url));
    expect(download.status).toBe(200);
    expect(download.headers.get("content-type")).toContain("text/csv");
    expect((await download.text()).split("\n")[0]).toContain("overall,tier");
  });

  it("refuses a link whose query was changed, whose signature is wrong, or that has expired", async () => {
    await publishExample();
    const { url } = exportLinkSchema.parse(
      (await link({ kind: "labels", filter: "example-energy", expires_in_s: 60 })).body,
    );
    const changed = new URL(url);
    changed.searchParams.set("format", "csv");
    const tampered = await call(pathOf(changed.toString()));
    expect(tampered.status).toBe(403);
    expect(((await tampered.json()) as { error: { code: string } }).error.code).toBe("export.link_invalid");

    const later = new URL(url);
    later.searchParams.set("expires", String(Number(later.searchParams.get("expires")) + 3600));
    expect((await call(pathOf(later.toString()))).status).toBe(403);

    const forged = new URL(url);
    forged.searchParams.set("signature", "0".repeat(64));
    expect((await call(pathOf(forged.toString()))).status).toBe(403);

    // A link signed in the past with the same key: valid signature, but expired.
    const { signExportUrl } = await import("../exports/signing");
    const old = await signExportUrl(
      env,
      new URL("http://edge.test/v1/exports/labels?filter=example-energy"),
      -5,
    );
    const expired = await call(pathOf(old.url));
    expect(expired.status).toBe(403);
    expect(((await expired.json()) as { error: { code: string } }).error.code).toBe("export.link_expired");
    // Without a link the export still needs a token.
    expect((await call("/v1/exports/labels?filter=example-energy")).status).toBe(401);
  });

  it("takes the link's host from PUBLIC_URL when set, not from the request's Host header", async () => {
    await publishExample();
    const token = await makeToken("bot");
    const request = (publicUrl: string | undefined) =>
      createApp().request(
        "http://evil.example/v1/exports/links",
        {
          method: "POST",
          headers: {
            authorization: `Bearer ${token}`,
            "content-type": "application/json",
            host: "evil.example",
          },
          body: JSON.stringify({ kind: "labels", filter: "example-energy" }),
        },
        { ...env, PUBLIC_URL: publicUrl },
      );
    const configured = await request("https://distillery.example.org");
    expect(configured.status).toBe(201);
    const { url } = exportLinkSchema.parse(await configured.json());
    expect(new URL(url).origin).toBe("https://distillery.example.org");
    expect(new URL(url).pathname).toBe("/v1/exports/labels");
    // The signature covers path and query only: the link downloads through whatever host serves it.
    expect((await call(pathOf(url))).status).toBe(200);

    const unset = exportLinkSchema.parse(await (await request(undefined)).json());
    expect(new URL(unset.url).origin).toBe("http://evil.example");

    const invalid = await request("https://distillery.example.org/exports");
    expect(invalid.status).toBe(500);
    expect(((await invalid.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: "config.invalid",
      message: expect.stringContaining("PUBLIC_URL"),
    });
  });

  it("keeps one generated key per database when EXPORT_SIGNING_KEY is unset", async () => {
    await publishExample();
    await link({ kind: "labels", filter: "example-energy" });
    const stored = await env.BUCKET.get("secrets/export-signing-key");
    expect((await stored?.text())?.length).toBe(64);
  });

  it("names the missing field and refuses unknown filters and models", async () => {
    const noFilter = await link({ kind: "labels" });
    expect(noFilter.status).toBe(400);
    expect(JSON.stringify(noFilter.body)).toContain("filter");
    expect((await link({ kind: "labels", filter: "no-such-filter" })).status).toBe(404);
    const noModel = await link({ kind: "predictions", filter: "no-such-filter" });
    expect(noModel.status).toBe(404);
    expect((noModel.body as { error: { code: string } }).error.code).toBe("model.not_found");
    expect((await link({ kind: "labels", filter: "x" }, await makeToken("node"))).status).toBe(403);
  });

  it("links the predictions of a filter's newest model", async () => {
    await env.DB.prepare(
      `INSERT INTO student_models (id, filter, filter_version, dataset_id, kind, base_model, backend)
       VALUES ('mdl_linka', 'linked', 1, 'ds', 'probe', 'e5', 'cpu'), ('mdl_linkb', 'linked', 1, 'ds', 'probe', 'e5', 'cpu')`,
    ).run();
    const { url } = exportLinkSchema.parse((await link({ kind: "predictions", filter: "linked" })).body);
    expect(new URL(url).searchParams.get("model_id")).toBe("mdl_linkb");
    // No predictions stored yet: the link is valid, the export says there is nothing.
    const response = await call(pathOf(url));
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("predictions.not_found");
  });
});
