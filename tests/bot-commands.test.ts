/**
 * The bot's catalogue and spending commands end to end: discord.js against the Discord stand-in, a
 * real local edge (`wrangler dev`) whose oracle calls go to the Gemini stand-in (lexical scoring), and
 * a raw GPU-node socket for corpus scoring. Covers what a user sees for /filters, autocomplete from the
 * edge, /label (estimate, Confirm, live result), /dataset build, /export (a link that downloads with
 * no token), /score (counts per tier), /status spend, /eval by model, a refused role and bad options.
 */
import {
  EVAL_CHART_NAMES,
  EXAMPLE_FILTER_YAML,
  EXAMPLE_PROMPT,
  PROTOCOL_VERSION,
  sampleEvalReport,
} from "@distillery/shared";
import { sha256HexSync } from "@distillery/shared/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBot } from "../bot/src/bot";
import { loadBotConfig } from "../bot/src/config";
import { cpuNodeCapabilities, type Edge, prepareEdge, rawNode, startEdge } from "./node-harness";
import {
  type DiscordStandin,
  option,
  type StoredMessage,
  startDiscordStandin,
} from "./standins/discord/index";
import { type GeminiStandin, startGeminiStandin } from "./standins/gemini/server";

// Ports 8844 (+8845 for wrangler's inspector), 8852 and 8854: inside the bot tests' range.
const EDGE_PORT = 8844;
const DISCORD_PORT = 8852;
const GEMINI_PORT = 8854;
const BOT_TOKEN = "dst_test_bot_commands";
const READER = { id: "6001", roles: ["111"] };
const LABELLER = { id: "6002", roles: ["222"] };
const EPHEMERAL = 1 << 6;
const FILTER = "example-energy";

let edge: Edge;
let gemini: GeminiStandin;
let discord: DiscordStandin;
let bot: Awaited<ReturnType<typeof startBot>>;

type Embed = { title?: string; description?: string; fields?: { name: string; value: string }[] };
const embed = (m: StoredMessage, i = 0) => (m.embeds[i] ?? {}) as Embed;
const fieldOf = (m: StoredMessage, name: string) =>
  embed(m).fields?.find((f) => f.name.startsWith(name))?.value;
const buttons = (m: StoredMessage) =>
  (m.components[0] as { components?: { custom_id: string; disabled?: boolean }[] } | undefined)?.components ??
  [];

/** Articles: most about solar or wind (pass the prefilter), some about football (blocked). */
function corpus() {
  const topics = ["solar farm", "wind park", "battery storage", "heat pump", "football match"];
  return Array.from({ length: 40 }, (_, i) => ({
    url: `https://news.example/${i}`,
    title: `${topics[i % topics.length]} report ${i}`,
    body: `A long enough article about the ${topics[i % topics.length]} number ${i}, with figures and sources. `.repeat(
      3,
    ),
    language: "en",
    source: i % 2 ? "wire" : "daily",
  }));
}

beforeAll(async () => {
  gemini = await startGeminiStandin({ port: GEMINI_PORT, minCacheTokens: 0, scoring: "lexical" });
  const hash = sha256HexSync(BOT_TOKEN);
  const report = sampleEvalReport(80);
  const prepared = await prepareEdge({
    seedSql: [
      `INSERT INTO api_tokens (id, name, role, token_hash, created_by) VALUES ('tok_bot', 'discord', 'bot', '${hash}', 'test');`,
      // A trained model with a finished evaluation, for /eval and /score.
      `INSERT INTO student_models (id, filter, filter_version, dataset_id, job_id, kind, base_model, backend, metrics, artifact_key, artifact_sha256, artifact_bytes) VALUES ('mdl_cmd', '${FILTER}', 1, 'ds_x', 'job_train_cmd', 'regression', 'Qwen/Qwen2.5-0.5B', 'peft', '{"eval_job_id":"job_eval_cmd"}', 'models/mdl_cmd/adapter.tar.gz', 'abc', 3);`,
      `INSERT INTO jobs (id, kind, state, spec, progress, attempts, created_by, created_at, updated_at) VALUES ('job_eval_cmd', 'eval', 'succeeded', '{"kind":"eval","model_id":"mdl_cmd"}', '{"done":1,"total":1}', 1, 'test', '2026-11-25T10:00:00.000Z', '2026-11-25T10:00:00.000Z');`,
      // Promoted, so /score without a model scores with it.
      `INSERT INTO filter_promotions (filter, model_id, reason) VALUES ('${FILTER}', 'mdl_cmd', 'test fixture');`,
    ],
    r2: { "reports/job_eval_cmd.json": JSON.stringify(report) },
  });
  edge = await startEdge(prepared, {
    port: EDGE_PORT,
    leaseMs: 30_000,
    vars: { GEMINI_BASE_URL: gemini.url, ORACLE_RPM: "6000", ORACLE_DAILY_BUDGET_USD: "20" },
  });
  const published = await edge.api("/v1/filters", {
    json: { filter_yaml: EXAMPLE_FILTER_YAML, prompt_md: EXAMPLE_PROMPT },
  });
  expect(published.status).toBe(201);
  expect((await edge.api("/v1/articles/batch", { json: { articles: corpus() } })).status).toBe(200);
  discord = await startDiscordStandin({ port: DISCORD_PORT, botToken: "discord-bot-token" });
  const config = loadBotConfig({
    DISCORD_TOKEN: "discord-bot-token",
    DISCORD_API_BASE: discord.apiBase,
    DISTILLERY_EDGE_URL: edge.url,
    DISTILLERY_BOT_TOKEN: BOT_TOKEN,
    DISTILLERY_BOT_ROLES: JSON.stringify({ "111": ["read"], "222": ["label", "train"] }),
  });
  bot = await startBot(config, { log: () => {}, editIntervalMs: 300 });
  await bot.live.whenConnected();
}, 120_000);

afterAll(async () => {
  await bot?.stop();
  await discord?.close();
  await edge?.stop();
  await gemini?.close();
});

describe("bot commands against a real edge", () => {
  it("/filters list and show: versions, weighted dimensions, tiers and the prompt's first lines", async () => {
    const list = await discord.command({ name: "filters", subcommand: "list", user: READER }).reply();
    expect(embed(list).fields?.map((f) => f.name)).toContain(`${FILTER} · v1`);
    const show = await discord
      .command({
        name: "filters",
        subcommand: "show",
        options: [option("filter", `${FILTER}@1`)],
        user: READER,
      })
      .reply();
    expect(embed(show).title).toBe(`${FILTER} v1`);
    expect(fieldOf(show, "Dimensions")).toContain("`deployment` Deployment maturity — weight **0.5**");
    expect(fieldOf(show, "Gatekeepers")).toContain("`deployment` < 3 → overall capped at 3");
    expect(fieldOf(show, "Tiers")).toContain("**High** (`high`) ≥ 7");
    expect(fieldOf(show, "Prompt")).toContain("You score news articles");
  });

  it("autocompletes filters and models from the edge", async () => {
    const filters = discord.autocomplete({
      name: "filters",
      subcommand: "show",
      options: [option("filter", "energy", true)],
      user: READER,
    });
    await discord.waitFor(() => discord.choices(filters) !== undefined, "the filter choices");
    expect(discord.choices(filters)).toEqual([
      { name: `${FILTER} (latest: v1)`, value: FILTER },
      { name: `${FILTER}@1`, value: `${FILTER}@1` },
    ]);
    const models = discord.autocomplete({ name: "eval", options: [option("model", "", true)], user: READER });
    await discord.waitFor(() => discord.choices(models) !== undefined, "the model choices");
    expect(discord.choices(models)?.map((c) => c.value)).toEqual(["mdl_cmd"]);
  });

  it("/label shows the estimate before spending; Confirm starts the job and its message ends with the counts", async () => {
    const ask = await discord
      .command({
        name: "label",
        options: [option("filter", FILTER), option("count", 20), { ...option("budget", 2), type: 10 }],
        user: LABELLER,
      })
      .reply();
    await discord.waitFor(() => ask.embeds.length > 0, "the estimate");
    expect(embed(ask).title).toBe(`Oracle labelling · ${FILTER} · estimate`);
    // A sample walks the corpus until 20 articles pass the prefilter; the football ones it met are blocked.
    expect(Number(fieldOf(ask, "Selected"))).toBeGreaterThanOrEqual(20);
    expect(fieldOf(ask, "Pass the prefilter")).toMatch(/^20 \(/);
    expect(fieldOf(ask, "To label")).toBe("20");
    expect(fieldOf(ask, "Expected cost")).toMatch(/^\$0\.\d+/);
    expect(fieldOf(ask, "ℹ️ Note")).toMatch(/stand-in/i);
    const [confirm, dismiss] = buttons(ask);
    expect(confirm?.custom_id).toMatch(/^label:confirm:job_/);
    expect(dismiss?.custom_id).toMatch(/^label:dismiss:job_/);
    // Nothing was sent to the oracle for the estimate.
    expect(((await (await fetch(`${gemini.url}/__standin/stats`)).json()) as { calls: number }).calls).toBe(
      0,
    );

    await discord.click(ask, confirm!.custom_id, LABELLER).reply();
    await discord.waitFor(
      () => embed(ask).title?.startsWith("Oracle labelling · job_") === true,
      "the job message",
    );
    await discord.waitFor(
      () => embed(ask).description?.includes("**succeeded**") === true,
      "the finished job",
      60_000,
    );
    expect(fieldOf(ask, "Labelled")).toBe("20");
    expect(fieldOf(ask, "Failed")).toBe("0");
    expect(fieldOf(ask, "Spent")).toMatch(/^\$0\.\d+ of \$2\.00$/);
  }, 90_000);

  it("/label counts what the prefilter blocks in a query", async () => {
    const ask = await discord
      .command({
        name: "label",
        options: [option("filter", FILTER), option("source", "daily"), { ...option("budget", 1), type: 10 }],
        user: LABELLER,
      })
      .reply();
    await discord.waitFor(() => ask.embeds.length > 0, "the estimate");
    // 20 articles from "daily"; a fifth of them are about football.
    expect(fieldOf(ask, "Selected")).toBe("20");
    expect(fieldOf(ask, "Pass the prefilter")).toBe("16 (80.0%)");
    await discord.click(ask, buttons(ask)[1]!.custom_id, LABELLER).reply();
    await discord.waitFor(() => ask.content.startsWith("Cancelled"), "the cancellation");
  });

  it("/dataset build replies with the validation report", async () => {
    const reply = await discord
      .command({ name: "dataset", subcommand: "build", options: [option("filter", FILTER)], user: LABELLER })
      .reply();
    await discord.waitFor(() => reply.embeds.length > 0, "the report", 30_000);
    expect(embed(reply).title).toMatch(/^Dataset ds_/);
    expect(embed(reply).description).toContain("20 labelled articles");
    expect(fieldOf(reply, "Splits")).toMatch(/^train \d+ · validation \d+ · test \d+$/);
    expect(fieldOf(reply, "Dimensions")).toContain("deployment");
    expect(fieldOf(reply, "Languages")).toBe("en 20");
  });

  it("/export gives a private link that downloads the labels with no token", async () => {
    const reply = await discord
      .command({
        name: "export",
        options: [option("filter", FILTER), option("format", "csv"), option("hours", 1)],
        user: READER,
      })
      .reply();
    expect(reply.flags & EPHEMERAL).toBe(EPHEMERAL);
    const url = /\((http[^)]+)\)/.exec(reply.content)?.[1];
    expect(url).toContain("/v1/exports/labels?");
    const download = await fetch(url!);
    expect(download.status).toBe(200);
    const lines = (await download.text()).trim().split("\n");
    expect(lines[0]).toContain("overall,tier");
    expect(lines).toHaveLength(21);
    const tampered = await fetch(url!.replace("format=csv", "format=ndjson"));
    expect(tampered.status).toBe(403);
  });

  it("/score runs on a node and the final message has the counts per tier", async () => {
    const capabilities = cpuNodeCapabilities(["infer"]);
    const node = await rawNode(edge, edge.nodeToken);
    node.send({
      type: "hello",
      protocol_version: PROTOCOL_VERSION,
      node_id: "score-node",
      name: "n",
      agent_version: "t",
      capabilities,
    });
    await node.next("welcome");
    const reply = await discord
      .command({
        name: "score",
        options: [option("filter", FILTER), option("language", "en")],
        user: LABELLER,
      })
      .reply();
    expect(embed(reply).title).toMatch(/^Corpus scoring · job_/);
    const jobId = embed(reply).title!.split(" · ")[1]!;
    const offer = await node.next("job.offer");
    expect(offer.job_id).toBe(jobId);
    node.send({ type: "job.accept", job_id: jobId, lease_id: offer.lease_id });
    const high = { deployment: 9, impact: 9, evidence: 9 };
    const low = { deployment: 1, impact: 2, evidence: 1 };
    const predictions = Array.from({ length: 5 }, (_, i) => ({
      article_id: `art_${i}`,
      scores: i < 2 ? high : low,
    }));
    node.send({
      type: "job.chunk",
      job_id: jobId,
      lease_id: offer.lease_id,
      shard: 0,
      chunk_index: 0,
      predictions,
    });
    await node.next("job.chunk.ack");
    const result = { kind: "regression", predictions: 5, chunks: 1, coverage: null, articles_per_s: 50 };
    node.send({ type: "job.result", job_id: jobId, lease_id: offer.lease_id, result });
    await discord.waitFor(
      () => embed(reply).description?.includes("**succeeded**") === true,
      "the finished job",
    );
    expect(fieldOf(reply, "Articles per tier")).toBe("**high**: 2\n**medium**: 0\n**low**: 3");
    node.socket.close();
    await node.closed;
  });

  it("/status shows today's oracle spend against the daily budget", async () => {
    const reply = await discord.command({ name: "status", user: READER }).reply();
    expect(fieldOf(reply, "Oracle spend today")).toMatch(/^\$0\.\d+ of \$20\.00\n`█*░+ \d+%`$/);
  });

  it("/eval takes a model and shows its latest evaluation with charts", async () => {
    const reply = await discord
      .command({ name: "eval", options: [option("model", "mdl_cmd")], user: READER })
      .reply();
    await discord.waitFor(() => reply.attachments.length === EVAL_CHART_NAMES.length, "the charts");
    expect(embed(reply).title).toContain(`${FILTER} v1`);
    // The edge renders the same chart in the worker (resvg-wasm): the same picture everywhere.
    const fromEdge = await edge.api("/v1/jobs/job_eval_cmd/charts/scatter.png");
    expect(fromEdge.headers.get("content-type")).toBe("image/png");
    const edgePng = Buffer.from(await fromEdge.arrayBuffer());
    const botPng = reply.attachments.find((a) => a.name === "scatter.png")!.bytes;
    expect([edgePng.readUInt32BE(16), edgePng.readUInt32BE(20)]).toEqual([1280, 800]);
    expect(edgePng.equals(botPng)).toBe(true);
  });

  it("refuses a reader who tries to spend, and answers bad options privately with what to fix", async () => {
    const refused = await discord
      .command({
        name: "label",
        options: [option("filter", FILTER), option("count", 5), { ...option("budget", 1), type: 10 }],
        user: READER,
      })
      .reply();
    expect(refused.flags & EPHEMERAL).toBe(EPHEMERAL);
    expect(refused.content).toContain("needs the `label` permission");
    const both = await discord
      .command({
        name: "label",
        options: [
          option("filter", FILTER),
          option("count", 5),
          option("source", "wire"),
          { ...option("budget", 1), type: 10 },
        ],
        user: LABELLER,
      })
      .reply();
    expect(both.flags & EPHEMERAL).toBe(EPHEMERAL);
    expect(both.content).toContain("`count`");
    const unknown = await discord
      .command({
        name: "filters",
        subcommand: "show",
        options: [option("filter", "no-such-filter")],
        user: READER,
      })
      .reply();
    expect(unknown.flags & EPHEMERAL).toBe(EPHEMERAL);
    expect(unknown.content).toContain("no-such-filter");
  });
});
