/**
 * @module
 * The REST half of the Discord stand-in (`/api/v10/...`): what discord.js calls for a slash-command
 * bot — gateway discovery, command registration (global and per guild), interaction callbacks
 * (reply, deferred reply, update of a button's message, autocomplete choices), webhook edits of the
 * original reply and follow-ups, and channel message edits. JSON and multipart bodies
 * (`payload_json` + `files[n]`) are both parsed and recorded; messages are kept with their
 * attachments. Answers carry the shapes discord.js parses (204 without a JSON content type where
 * Discord sends no body).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { DiscordStore, RecordedFile, StoredMessage } from "./store";

export type RestContext = {
  store: DiscordStore;
  applicationId: string;
  gatewayUrl: () => string;
  botToken: string | null;
};

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Parses a JSON or multipart/form-data body into the JSON payload and its files. */
async function parseBody(
  request: IncomingMessage,
): Promise<{ body: Record<string, unknown> | null; files: RecordedFile[] }> {
  const raw = await readBody(request);
  const type = request.headers["content-type"] ?? "";
  if (raw.length === 0) return { body: null, files: [] };
  if (type.startsWith("multipart/form-data")) {
    const form = await new Response(new Uint8Array(raw), { headers: { "content-type": type } }).formData();
    const files: RecordedFile[] = [];
    let body: Record<string, unknown> | null = null;
    const entries: [string, FormDataEntryValue][] = [];
    form.forEach((value, field) => {
      entries.push([field, value]);
    });
    for (const [field, value] of entries) {
      if (field === "payload_json") body = JSON.parse(String(value));
      else if (typeof value !== "string") {
        files.push({
          field,
          name: value.name,
          contentType: value.type,
          bytes: Buffer.from(await value.arrayBuffer()),
        });
      }
    }
    return { body, files };
  }
  return { body: JSON.parse(raw.toString("utf8")), files: [] };
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}

function noContent(response: ServerResponse): void {
  response.writeHead(204);
  response.end();
}

/** The message object Discord returns for a stored message. */
function messageJson(ctx: RestContext, m: StoredMessage) {
  return {
    id: m.id,
    channel_id: m.channel_id,
    type: 20,
    content: m.content,
    embeds: m.embeds,
    components: m.components,
    attachments: m.attachments.map((a, i) => ({
      id: `${m.id}${i}`,
      filename: a.name,
      size: a.bytes.length,
      url: `https://cdn.invalid/${a.name}`,
      proxy_url: `https://cdn.invalid/${a.name}`,
      content_type: a.contentType,
    })),
    flags: m.flags,
    author: {
      id: ctx.applicationId,
      username: "distillery",
      discriminator: "0",
      global_name: null,
      avatar: null,
      bot: true,
    },
    timestamp: new Date().toISOString(),
    edited_timestamp: m.edits ? new Date().toISOString() : null,
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    pinned: false,
    webhook_id: ctx.applicationId,
    application_id: ctx.applicationId,
  };
}

/** Applies a message payload to a stored message; `attachments` in the body keeps only the listed old ones. */
function applyPayload(m: StoredMessage, body: Record<string, unknown> | null, files: RecordedFile[]): void {
  if (!body) return;
  if (typeof body.content === "string") m.content = body.content;
  if (Array.isArray(body.embeds)) m.embeds = body.embeds as Record<string, unknown>[];
  if (Array.isArray(body.components)) m.components = body.components as Record<string, unknown>[];
  if (typeof body.flags === "number") m.flags = body.flags;
  if (Array.isArray(body.attachments) || files.length) {
    const kept = Array.isArray(body.attachments)
      ? m.attachments.filter((a) =>
          (body.attachments as { filename?: string; id?: unknown }[]).some(
            (k) => k.filename === a.name && typeof k.id === "string",
          ),
        )
      : m.attachments;
    m.attachments = [...kept, ...files];
  }
}

function newMessage(ctx: RestContext, channelId: string, token: string | null): StoredMessage {
  const m: StoredMessage = {
    id: ctx.store.snowflake(),
    channel_id: channelId,
    interaction_token: token,
    content: "",
    embeds: [],
    components: [],
    attachments: [],
    flags: 0,
    edits: 0,
  };
  ctx.store.messages.set(m.id, m);
  return m;
}

export async function handleRest(
  ctx: RestContext,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const url = new URL(request.url ?? "/", "http://standin");
  const path = decodeURIComponent(url.pathname).replace(/^\/api\/v10/, "");
  const method = request.method ?? "GET";
  const { body, files } = await parseBody(request);
  const auth = request.headers.authorization ?? null;
  const call = { method, path, query: url.searchParams, auth, body, files, at: Date.now() };
  const registration =
    method === "PUT" ? /^\/applications\/(\d+)(?:\/guilds\/(\d+))?\/commands$/.exec(path) : null;
  const callback = method === "POST" ? /^\/interactions\/(\d+)\/([^/]+)\/callback$/.exec(path) : null;
  const webhook = /^\/webhooks\/(\d+)\/([^/]+)(?:\/messages\/(@original|\d+))?$/.exec(path);
  const channelMessage = method === "PATCH" ? /^\/channels\/(\d+)\/messages\/(\d+)$/.exec(path) : null;

  if (method === "GET" && path === "/gateway/bot") {
    ctx.store.record(call);
    return json(response, 200, {
      url: ctx.gatewayUrl(),
      shards: 1,
      session_start_limit: { total: 1000, remaining: 1000, reset_after: 0, max_concurrency: 1 },
    });
  }
  if (registration) {
    if (ctx.botToken && auth !== `Bot ${ctx.botToken}`)
      return json(response, 401, { message: "401: Unauthorized", code: 0 });
    ctx.store.record(call);
    const commands = (body as unknown as Record<string, unknown>[]) ?? [];
    return json(
      response,
      200,
      commands.map((c) => ({
        ...c,
        id: ctx.store.snowflake(),
        application_id: registration[1],
        guild_id: registration[2],
        version: "1",
      })),
    );
  }
  if (callback) {
    const token = callback[2]!;
    const context = ctx.store.interactions.get(token);
    if (!context) return json(response, 404, { message: "Unknown interaction", code: 10062 });
    const type = (body as { type: number }).type;
    const data = ((body as { data?: Record<string, unknown> }).data ?? null) as Record<
      string,
      unknown
    > | null;
    if (type === 4 || type === 5) applyPayload(newMessage(ctx, context.channelId, token), data, files);
    if ((type === 6 || type === 7) && context.messageId) {
      const m = ctx.store.messages.get(context.messageId);
      // An update makes the button's message this interaction's @original.
      if (m) {
        m.interaction_token = token;
        if (type === 7) {
          applyPayload(m, data, files);
          m.edits += 1;
        }
      }
    }
    ctx.store.record(call);
    return noContent(response);
  }
  if (webhook) {
    const [, , token, target] = webhook;
    const context = ctx.store.interactions.get(token!);
    if (!context) return json(response, 404, { message: "Unknown Webhook", code: 10015 });
    let m: StoredMessage | undefined;
    if (method === "POST" && !target) {
      m = newMessage(ctx, context.channelId, null);
      applyPayload(m, body, files);
    } else {
      m = target === "@original" ? ctx.store.original(token!) : ctx.store.messages.get(target!);
      if (!m) return json(response, 404, { message: "Unknown Message", code: 10008 });
      if (method === "PATCH") {
        applyPayload(m, body, files);
        m.edits += 1;
      }
    }
    ctx.store.record(call);
    return json(response, 200, messageJson(ctx, m));
  }
  if (channelMessage) {
    if (ctx.botToken && auth !== `Bot ${ctx.botToken}`)
      return json(response, 401, { message: "401: Unauthorized", code: 0 });
    const m = ctx.store.messages.get(channelMessage[2]!);
    if (!m || m.channel_id !== channelMessage[1])
      return json(response, 404, { message: "Unknown Message", code: 10008 });
    applyPayload(m, body, files);
    m.edits += 1;
    ctx.store.record(call);
    return json(response, 200, messageJson(ctx, m));
  }
  ctx.store.record(call);
  return json(response, 404, { message: `stand-in has no route ${method} ${path}`, code: 0 });
}
