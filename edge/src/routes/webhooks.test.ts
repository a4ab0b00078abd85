import { errorBodySchema, webhookAckSchema, webhookSecretCreatedSchema } from "@distillery/shared";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { call, makeToken } from "../../test/helpers";

async function newSecret(source: string): Promise<{ id: string; secret: string }> {
  const admin = await makeToken("admin");
  const response = await call("/v1/webhooks/secrets", { token: admin, json: { source } });
  expect(response.status).toBe(201);
  return webhookSecretCreatedSchema.parse(await response.json());
}

function payload(url = `https://hook.example/${crypto.randomUUID()}`) {
  return JSON.stringify({
    type: "article.published",
    timestamp: "2026-11-20T10:00:00Z",
    data: { url, title: "Pushed", body: "Pushed body.", language: "en", source: "hook-source" },
  });
}

/** Signs like a sender would, with the real `standardwebhooks` library. */
function send(secret: string, body: string, options: { id?: string; at?: Date } = {}) {
  const id = options.id ?? `msg_${crypto.randomUUID()}`;
  const at = options.at ?? new Date();
  const signature = new Webhook(secret).sign(id, at, body);
  return call("/v1/webhooks/articles", {
    method: "POST",
    body,
    headers: {
      "content-type": "application/json",
      "webhook-id": id,
      "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
      "webhook-signature": signature,
    },
  });
}

describe("POST /v1/webhooks/articles", () => {
  it("stores a signed article once; a replayed webhook-id is acknowledged without storing", async () => {
    const { secret } = await newSecret("hook-source");
    const body = payload();
    const first = await send(secret, body, { id: "msg_replay_1" });
    expect(first.status).toBe(201);
    const ack = webhookAckSchema.parse(await first.json());
    expect(ack).toMatchObject({ created: true, replayed: false });
    const replay = await send(secret, body, { id: "msg_replay_1" });
    expect(replay.status).toBe(200);
    expect(webhookAckSchema.parse(await replay.json())).toEqual({
      id: ack.id,
      created: false,
      replayed: true,
    });
  });

  it("accepts either of two active secrets (rotation) and refuses a revoked one", async () => {
    const old = await newSecret("rotating");
    const fresh = await newSecret("rotating");
    expect((await send(old.secret, payload())).status).toBe(201);
    expect((await send(fresh.secret, payload())).status).toBe(201);
    const admin = await makeToken("admin");
    await call(`/v1/webhooks/secrets/${old.id}/revoke`, { token: admin, method: "POST" });
    const refused = await send(old.secret, payload());
    expect(refused.status).toBe(401);
    expect(errorBodySchema.parse(await refused.json()).error.code).toBe("webhook.invalid_signature");
  });

  it("refuses a tampered body, an unknown secret and a timestamp outside five minutes", async () => {
    const { secret } = await newSecret("strict");
    const id = "msg_tamper";
    const at = new Date();
    const signature = new Webhook(secret).sign(id, at, payload("https://hook.example/original"));
    const tampered = await call("/v1/webhooks/articles", {
      method: "POST",
      body: payload("https://hook.example/changed"),
      headers: {
        "content-type": "application/json",
        "webhook-id": id,
        "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
        "webhook-signature": signature,
      },
    });
    expect(tampered.status).toBe(401);

    const stranger = `whsec_${btoa("0123456789abcdef0123456789abcdef")}`;
    expect((await send(stranger, payload())).status).toBe(401);

    const stale = await send(secret, payload(), { at: new Date(Date.now() - 6 * 60 * 1000) });
    expect(stale.status).toBe(401);
    expect(errorBodySchema.parse(await stale.json()).error.code).toBe("webhook.stale_timestamp");
  });

  it("refuses an invalid article in a correctly signed message, naming the field", async () => {
    const { secret } = await newSecret("invalid");
    const body = JSON.stringify({
      type: "article.created",
      timestamp: "2026-11-20T10:00:00Z",
      data: { url: "https://hook.example/x", title: "t", body: "b", language: "en" },
    });
    const response = await send(secret, body);
    expect(response.status).toBe(400);
    expect(errorBodySchema.parse(await response.json()).error.details[0]?.path).toBe("data.source");
  });

  it("requires an admin token to manage secrets", async () => {
    const submitter = await makeToken("submitter");
    expect((await call("/v1/webhooks/secrets", { token: submitter, json: { source: "x" } })).status).toBe(
      403,
    );
  });
});
