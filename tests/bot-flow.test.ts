/**
 * The Discord bot end to end: discord.js runs unmodified against the Discord stand-in (REST + gateway),
 * the bot calls a real local edge (`wrangler dev` on fresh local D1/R2/Durable Objects, bot token
 * seeded through wrangler's own D1 command), and a raw GPU-node socket moves a training job so the
 * live edits come from the edge's real event stream. Checks what a Discord user sees: replies, edits,
 * embed fields, chart attachments, refusals, bad input, a bot restart and the edge going away.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { EVAL_CHART_NAMES, exampleFilter, PROTOCOL_VERSION, sampleEvalReport } from "@distillery/shared";
import { sha256HexSync } from "@distillery/shared/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBot } from "../bot/src/bot";
import { loadBotConfig } from "../bot/src/config";
import {
  cpuNodeCapabilities,
  datasetFiles,
  type Edge,
  prepareEdge,
  rawNode,
  repoRoot,
  sqlString,
  startEdge,
  waitFor,
} from "./node-harness";
import {
  type DiscordStandin,
  option,
  type StoredMessage,
  startDiscordStandin,
} from "./standins/discord/index";

const EDGE_PORT = 8840;
// wrangler dev also listens on EDGE_PORT + 1.
const DISCORD_PORT = 8850;
const BOT_TOKEN = "dst_test_bot_token";
const filter = exampleFilter();
const READER = { id: "5001", roles: ["111"] };
const TRAINER = { id: "5002", roles: ["222"] };
const EPHEMERAL = 1 << 6;

const capabilities = cpuNodeCapabilities(["train"]);

let edge: Edge;
let prepared: Awaited<ReturnType<typeof prepareEdge>>;
let discord: DiscordStandin;
let bot: Awaited<ReturnType<typeof startBot>>;
const logs: string[] = [];

function config() {
  return loadBotConfig({
    DISCORD_TOKEN: "discord-bot-token",
    DISCORD_API_BASE: discord.apiBase,
    DISTILLERY_EDGE_URL: `http://127.0.0.1:${EDGE_PORT}`,
    DISTILLERY_BOT_TOKEN: BOT_TOKEN,
    DISTILLERY_BOT_ROLES: JSON.stringify({ "111": ["read"], "222": ["label", "train"] }),
  });
}

async function start(): Promise<void> {
  const before = discord.gateway.identifies.length;
  bot = await startBot(config(), { log: (line) => logs.push(line), editIntervalMs: 300 });
  await discord.waitFor(() => discord.gateway.identifies.length > before, "the bot to identify");
  await bot.live.whenConnected();
}

/** The edge's audit log for a job, read with wrangler's own D1 command (the bot has no route for it). */
async function auditOf(jobId: string): Promise<{ action: string; discord_user: string | null }[]> {
  const args = ["wrangler", "d1", "execute", "DB", "--local", "--persist-to", prepared.persist, "--json"];
  args.push("--command", `SELECT action, discord_user FROM audit_log WHERE target_id = ${sqlString(jobId)}`);
  const env = {
    ...process.env,
    WRANGLER_SEND_METRICS: "false",
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
    CI: "1",
  };
  const { stdout } = await promisify(execFile)("npx", args, {
    cwd: join(repoRoot, "edge"),
    env: { ...env, XDG_CONFIG_HOME: join(prepared.persist, "config") },
  });
  return (JSON.parse(stdout) as { results: { action: string; discord_user: string | null }[] }[])[0]!.results;
}

const embed = (m: StoredMessage, i = 0) =>
  m.embeds[i] as {
    title?: string;
    description?: string;
    fields?: { name: string; value: string }[];
    image?: { url: string };
  };
const fieldOf = (m: StoredMessage, name: string) => embed(m).fields?.find((f) => f.name === name)?.value;

beforeAll(async () => {
  const hash = sha256HexSync(BOT_TOKEN);
  const now = "2026-11-25T10:00:00.000Z";
  prepared = await prepareEdge({
    seedSql: [
      `INSERT INTO api_tokens (id, name, role, token_hash, created_by) VALUES ('tok_bot', 'discord', 'bot', '${hash}', 'test');`,
      `INSERT INTO filters (name, version, package, prompt_hash, description, created_by) VALUES (${sqlString(filter.name)}, 1, ${sqlString(filter)}, 'h', 'test', 'test');`,
      `INSERT INTO datasets (id, filter, filter_version, seed, report, content_hash) VALUES ('ds_test', ${sqlString(filter.name)}, 1, 42, '{}', 'dshash');`,
      `INSERT INTO jobs (id, kind, state, spec, progress, attempts, created_by, created_at, updated_at, started_at, finished_at) VALUES ('job_eval_done', 'eval', 'succeeded', ${sqlString({ kind: "eval", model_id: "mdl_x" })}, '{"done":1,"total":1}', 1, 'test', '${now}', '${now}', '${now}', '${now}');`,
    ],
    r2: {
      ...datasetFiles(filter, { train: 4, validation: 4, test: 4 }, (i) => ({
        scores: { deployment: i * 2, impact: 5, evidence: 3 },
        title: `T${i}`,
        body: "Solar.",
        language: "en",
        source: "t",
      })),
      "reports/job_eval_done.json": JSON.stringify(sampleEvalReport(120)),
    },
  });
  edge = await startEdge(prepared, { port: EDGE_PORT, leaseMs: 30_000 });
  discord = await startDiscordStandin({ port: DISCORD_PORT, botToken: "discord-bot-token" });
  await start();
}, 120_000);

afterAll(async () => {
  if (process.env.BOT_TEST_LOG)
    (await import("node:fs")).writeFileSync(process.env.BOT_TEST_LOG, logs.join("\n"));
  await bot?.stop();
  await discord?.close();
  await edge?.stop();
});

describe("the Discord bot against a real edge", () => {
  it("logs in with only the Guilds intent", () => {
    expect(discord.gateway.identifies[0]).toMatchObject({ token: "discord-bot-token", intents: 1 });
  });

  it("follows a training job live: queued, then progress with loss and ETA, then the failure reason", async () => {
    const node = await rawNode(edge, prepared.nodeToken);
    node.send({
      type: "hello",
      protocol_version: PROTOCOL_VERSION,
      node_id: "bot-node",
      name: "gpu-1",
      agent_version: "t",
      capabilities,
    });
    await node.next("welcome");
    const sent = discord.command({
      name: "train",
      options: [
        option("dataset", "ds_test"),
        { ...option("epochs", 2), type: 10 /* a number option, as registered */ },
      ],
      user: TRAINER,
    });
    const reply = await sent.reply();
    expect(embed(reply).title).toMatch(/^Training · /);
    expect(reply.flags & EPHEMERAL).toBe(0);
    const jobId = embed(reply).title!.split(" · ")[1]!;
    // The bot stores the message on the job right after replying.
    const stored = await waitFor("the message stored on the job", async () => {
      const job = (await (await edge.api(`/v1/jobs/${jobId}`)).json()) as {
        notify: unknown;
        spec: { student: unknown };
      };
      return job.notify ? job : undefined;
    });
    expect(stored.notify).toEqual({ channel_id: discord.channelId, message_id: reply.id });
    expect(stored.spec.student).toMatchObject({ hyperparameters: { epochs: 2 } });
    expect(await auditOf(jobId)).toContainEqual({ action: "job.create", discord_user: "5002" });

    const offer = await node.next("job.offer");
    node.send({ type: "job.accept", job_id: jobId, lease_id: offer.lease_id });
    node.send({
      type: "job.progress",
      job_id: jobId,
      lease_id: offer.lease_id,
      progress: { done: 30, total: 100, step: 30, loss: 0.5123, eta_s: 70 },
    });
    // The accept and the progress are handled concurrently by the hub, so their edits may come in
    // either order (one throttle interval apart): wait for the message that shows both.
    await discord.waitFor(
      () => fieldOf(reply, "ETA") === "1m 10s" && (embed(reply).description ?? "").includes("**running**"),
      "the progress edit of the running job",
    );
    expect(fieldOf(reply, "Progress")).toContain("30%");
    expect(fieldOf(reply, "Loss")).toBe("0.5123");

    node.send({
      type: "job.failed",
      job_id: jobId,
      lease_id: offer.lease_id,
      code: "train.oom",
      message: "CUDA out of memory",
    });
    await discord.waitFor(
      () => embed(reply).description?.includes("**failed**") === true,
      "the failure edit",
    );
    expect(fieldOf(reply, "Reason")).toBe("`train.oom`: CUDA out of memory");
    const edits = discord.calls.filter(
      (c) => c.method === "PATCH" && c.path.endsWith(`/messages/${reply.id}`),
    );
    expect(edits.every((c) => c.auth === "Bot discord-bot-token")).toBe(true);
    node.socket.close();
    await node.closed;
  });

  it("refuses a reader who tries to train, privately, naming the roles that may", async () => {
    const reply = await discord
      .command({ name: "train", options: [option("dataset", "ds_test")], user: READER })
      .reply();
    expect(reply.flags & EPHEMERAL).toBe(EPHEMERAL);
    expect(reply.content).toContain("needs the `train` permission");
    expect(reply.content).toContain("<@&222>");
  });

  it("answers a bad option with the edge's own message, privately", async () => {
    const reply = await discord
      .command({ name: "train", options: [option("dataset", "ds_missing")], user: TRAINER })
      .reply();
    expect(reply.flags & EPHEMERAL).toBe(EPHEMERAL);
    expect(reply.content).toContain("ds_missing");
  });

  it("asks before cancelling; on confirm the job's own message turns cancelled", async () => {
    const jobReply = await discord
      .command({ name: "train", options: [option("dataset", "ds_test")], user: TRAINER })
      .reply();
    const jobId = embed(jobReply).title!.split(" · ")[1]!;
    const ask = await discord
      .command({ name: "cancel", options: [option("job", jobId)], user: TRAINER })
      .reply();
    expect(ask.flags & EPHEMERAL).toBe(EPHEMERAL);
    const buttons = (ask.components[0] as { components: { custom_id: string }[] }).components.map(
      (b) => b.custom_id,
    );
    expect(buttons).toEqual([`cancel:confirm:${jobId}`, `cancel:dismiss:${jobId}`]);
    expect(((await (await edge.api(`/v1/jobs/${jobId}`)).json()) as { state: string }).state).toBe("queued");
    await discord.click(ask, `cancel:confirm:${jobId}`, TRAINER).reply();
    await discord.waitFor(() => ask.content.startsWith("Cancelled job"), "the confirmation");
    await discord.waitFor(
      () => embed(jobReply).description?.includes("**cancelled**") === true,
      "the job message edit",
    );
  });

  it("renders /eval with the quality bar and every chart as a PNG of the right size", async () => {
    const reply = await discord
      .command({ name: "eval", options: [option("model", "job_eval_done")], user: READER })
      .reply();
    await discord.waitFor(() => reply.attachments.length === EVAL_CHART_NAMES.length, "the charts");
    expect(embed(reply).title).toContain("example-energy v1");
    expect(fieldOf(reply, "Quality bar")).toMatch(/🟢|🔴/);
    expect(reply.attachments.map((a) => a.name)).toEqual(EVAL_CHART_NAMES.map((n) => `${n}.png`));
    for (const file of reply.attachments) {
      expect(file.bytes.subarray(1, 4).toString()).toBe("PNG");
      expect([file.bytes.readUInt32BE(16), file.bytes.readUInt32BE(20)]).toEqual([1280, 800]);
    }
    expect(embed(reply, 1).image?.url).toBe("attachment://scatter.png");
  });

  it("after a restart, keeps editing the messages of jobs still in flight", async () => {
    const jobReply = await discord
      .command({ name: "train", options: [option("dataset", "ds_test")], user: TRAINER })
      .reply();
    const jobId = embed(jobReply).title!.split(" · ")[1]!;
    await bot.stop();
    await start();
    expect(await (await edge.api(`/v1/jobs/${jobId}/cancel`, { method: "POST" })).status).toBe(200);
    await discord.waitFor(
      () => embed(jobReply).description?.includes("**cancelled**") === true,
      "the edit by the new bot",
    );
  });

  it("says the edge is unreachable while it is down, and works again when it is back", async () => {
    await edge.stop();
    const down = await discord.command({ name: "status", user: READER }).reply();
    expect(down.flags & EPHEMERAL).toBe(EPHEMERAL);
    expect(down.content).toContain(`Distillery's edge is unreachable at http://127.0.0.1:${EDGE_PORT}`);
    edge = await startEdge(prepared, { port: EDGE_PORT, leaseMs: 30_000 });
    const back = await discord.command({ name: "status", user: READER }).reply();
    expect(embed(back).title).toBe("Distillery status");
    await bot.live.whenConnected();
  }, 90_000);
});
