/**
 * The edge's configuration, parsed once per environment from `edgeConfigSchema`: defaults when unset,
 * values from the worker's vars, and a bad value refused as a 500 `config.invalid` naming the variable —
 * seen through the real worker (the JSON body limit reads `MAX_JSON_BODY_BYTES` from it).
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { errorBodySchema } from "@distillery/shared";
import { describe, expect, it } from "vitest";
import { makeToken } from "../test/helpers";
import { edgeConfig } from "./config";
import type { Env } from "./env";
import worker from "./index";

const bare = (vars: Record<string, string>) => ({ ...env, ...vars }) as Env;

async function postToken(vars: Record<string, string>, body: unknown): Promise<Response> {
  const token = await makeToken("admin");
  const request = new Request("http://edge.test/v1/tokens", {
    method: "POST",
    body: JSON.stringify(body),
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
  });
  const ctx = createExecutionContext();
  const response = await worker.fetch(request, { ...env, ...vars }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

describe("edgeConfig", () => {
  it("applies the documented defaults and reads set variables as numbers", () => {
    const config = edgeConfig(bare({ HUB_LEASE_MS: "", HUB_POLL_MS: "500", MAX_JSON_BODY_BYTES: "" }));
    expect(config.HUB_LEASE_MS).toBe(30_000);
    expect(config.HUB_POLL_MS).toBe(500);
    expect(config.HUB_HEARTBEAT_MS).toBeUndefined();
    expect(config.MAX_JSON_BODY_BYTES).toBe(10 * 1024 * 1024);
  });

  it("parses each environment once", () => {
    const vars = bare({ HUB_LEASE_MS: "1000" });
    expect(edgeConfig(vars)).toBe(edgeConfig(vars));
  });

  it("refuses a bad value with config.invalid, status 500, naming the variable and the value", () => {
    expect(() => edgeConfig(bare({ HUB_LEASE_MS: "soon" }))).toThrow(
      expect.objectContaining({
        code: "config.invalid",
        status: 500,
        message: expect.stringContaining("HUB_LEASE_MS 'soon'"),
      }),
    );
  });

  it("caps JSON bodies at MAX_JSON_BODY_BYTES", async () => {
    const response = await postToken({ MAX_JSON_BODY_BYTES: "64" }, { name: "x".repeat(200), role: "bot" });
    expect(response.status).toBe(413);
    expect(errorBodySchema.parse(await response.json()).error.code).toBe("request.too_large");
  });

  it("answers 500 config.invalid when MAX_JSON_BODY_BYTES is not a positive number", async () => {
    const response = await postToken({ MAX_JSON_BODY_BYTES: "-1" }, { name: "ci", role: "bot" });
    expect(response.status).toBe(500);
    const { error } = errorBodySchema.parse(await response.json());
    expect(error.code).toBe("config.invalid");
    expect(error.message).toContain("MAX_JSON_BODY_BYTES '-1'");
  });
});
