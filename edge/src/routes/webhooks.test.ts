import { env } from "cloudflare:test";
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

function payload(
  url = `https://hook.example/${crypto.randomUUID()}`,
  data: Record<string, unknown> = { source: "hook-source" },
) {
  return JSON.stringify({
    type: "article.published",
    timestamp: "2026-11-20T10:00:00Z",
    data: { url, title: "Pushed", body: "Pushed body.", language: "en", ...data },
  });
}

/** Signs like a sender would, with the real `standardwebhooks` library. */
function send(secret: string, body: string, options: { id?: string; at?: Date } = {}) {
  const id = options.id ?? `msg_${crypto.randomUUID()}`;
  const at = options.at ?? new Date();
  const signature = new Webhook(secret).sign(id, at, body);
  return post(body, id, at, signature);
}

/** Signs raw bytes (which need not be valid UTF-8) with the secret's HMAC key, per Standard Webhooks. */
async function sendBytes(secret: string, body: Uint8Array) {
  const id = `msg_${crypto.randomUUID()}`;
  const at = new Date();
  const prefix = new TextEncoder().encode(`${id}.${Math.floor(at.getTime() / 1000)}.`);
  const signed = new Uint8Array(prefix.length + body.length);
  signed.set(prefix);
  signed.set(body, prefix.length);
  const raw = Uint8Array.from(atob(secret.slice("whsec_".length)), (ch) => ch.charCodeAt(0));
  const key = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, signed));
  return post(body, id, at, `v1,${btoa(String.fromCharCode(...mac))}`);
}

function post(body: BodyInit, id: string, at: Date, signature: string) {
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
    const rotating = () => payload(undefined, { source: "rotating" });
    expect((await send(old.secret, rotating())).status).toBe(201);
    expect((await send(fresh.secret, rotating())).status).toBe(201);
    const admin = await makeToken("admin");
    await call(`/v1/webhooks/secrets/${old.id}/revoke`, { token: admin, method: "POST" });
    const refused = await send(old.secret, rotating());
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

  it("keys replays on the source: two senders may use the same webhook-id", async () => {
    const alpha = await newSecret("sender-alpha");
    const beta = await newSecret("sender-beta");
    const first = await send(alpha.secret, payload(undefined, { source: "sender-alpha" }), { id: "msg_1" });
    expect(first.status).toBe(201);
    const second = await send(beta.secret, payload(undefined, { source: "sender-beta" }), { id: "msg_1" });
    expect(second.status).toBe(201);
    expect(webhookAckSchema.parse(await second.json())).toMatchObject({ created: true, replayed: false });
  });

  it("refuses an article for another source than the secret's, naming data.source; stores nothing", async () => {
    const { secret } = await newSecret("bound-source");
    const url = `https://hook.example/${crypto.randomUUID()}`;
    const response = await send(secret, payload(url, { source: "someone-else" }));
    expect(response.status).toBe(403);
    const error = errorBodySchema.parse(await response.json()).error;
    expect(error.code).toBe("webhook.source_mismatch");
    expect(error.details[0]?.path).toBe("data.source");
    const stored = await env.DB.prepare("SELECT count(*) AS n FROM articles WHERE url = ?").bind(url).first();
    expect(stored?.n).toBe(0);
  });

  it("refuses invalid UTF-8 and lone surrogates in a signed message with 400", async () => {
    const { secret } = await newSecret("hook-source");
    const bytes = new TextEncoder().encode(
      payload("https://hook.example/bytes", { source: "hook-source", title: "cafX" }),
    );
    bytes[bytes.indexOf("X".charCodeAt(0))] = 0xe9; // Latin-1 é: not UTF-8
    const invalid = await sendBytes(secret, bytes);
    expect(invalid.status).toBe(400);
    expect(errorBodySchema.parse(await invalid.json()).error.code).toBe("request.invalid_utf8");

    const surrogate = await send(secret, payload(undefined, { source: "hook-source", title: "a\ud800b" }));
    expect(surrogate.status).toBe(400);
    expect(errorBodySchema.parse(await surrogate.json()).error.details[0]?.path).toBe("data.title");
  });

  it("requires an admin token to manage secrets", async () => {
    const submitter = await makeToken("submitter");
    expect((await call("/v1/webhooks/secrets", { token: submitter, json: { source: "x" } })).status).toBe(
      403,
    );
  });
});
