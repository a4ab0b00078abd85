/**
 * `/v1/tokens` inside workerd: a token's `last_used_at` follows its use (at most one write a minute),
 * and revoking a token closes the `/v1/events` sockets opened with it.
 */
import { env } from "cloudflare:test";
import { pageSchema, tokenCreatedSchema, tokenInfoSchema } from "@distillery/shared";
import { describe, expect, it } from "vitest";
import { call, makeToken } from "../../test/helpers";

async function createToken(admin: string, role: "bot" | "submitter") {
  const created = await call("/v1/tokens", { token: admin, json: { role } });
  expect(created.status).toBe(201);
  return tokenCreatedSchema.parse(await created.json());
}

/** Opens a `/v1/events` socket; resolves once its snapshot arrived. */
async function subscribe(token: string) {
  const response = await call("/v1/events", { token, headers: { upgrade: "websocket" } });
  const socket = response.webSocket;
  if (!socket) throw new Error("expected a WebSocket");
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.addEventListener("close", (event) => resolve({ code: event.code, reason: event.reason })),
  );
  const snapshot = new Promise<void>((resolve) => socket.addEventListener("message", () => resolve()));
  socket.accept();
  await snapshot;
  return { socket, closed };
}

async function lastUsedAt(id: string): Promise<string | null> {
  const row = await env.DB.prepare("SELECT last_used_at FROM api_tokens WHERE id = ?")
    .bind(id)
    .first<{ last_used_at: string | null }>();
  return row?.last_used_at ?? null;
}

describe("tokens", () => {
  it("records when a token was last used, at most once a minute", async () => {
    const admin = await makeToken("admin");
    const bot = await createToken(admin, "bot");
    expect(bot.last_used_at).toBeNull();
    expect((await call("/v1/jobs", { token: bot.token })).status).toBe(200);
    const first = await lastUsedAt(bot.id);
    expect(first).not.toBeNull();
    expect((await call("/v1/jobs", { token: bot.token })).status).toBe(200);
    expect(await lastUsedAt(bot.id)).toBe(first);
    const listed = pageSchema(tokenInfoSchema).parse(
      await (await call("/v1/tokens?limit=500", { token: admin })).json(),
    );
    expect(listed.items.find((t) => t.id === bot.id)?.last_used_at).toBe(first);
    // Newest first.
    expect(listed.items[0]?.id).toBe(bot.id);
  });

  it("closes the event sockets of a revoked token with 4002", async () => {
    const admin = await makeToken("admin");
    const bot = await createToken(admin, "bot");
    const subscriber = await subscribe(bot.token);
    const bystander = await subscribe(admin);
    const revoked = await call(`/v1/tokens/${bot.id}/revoke`, { token: admin, method: "POST" });
    expect(revoked.status).toBe(200);
    expect(await subscriber.closed).toMatchObject({ code: 4002, reason: expect.stringMatching(/revoked/) });
    // Sockets of other tokens stay open.
    expect(bystander.socket.readyState).toBe(WebSocket.OPEN);
    bystander.socket.close(1000, "done");
    await bystander.closed;
  });
});
