/**
 * The agent against a scripted hub: a real `ws` server and HTTP server in this process, the real agent
 * and a real Python subprocess (the stub module). Checks the wire behaviour the hub relies on.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type DatasetRow,
  type HubMessage,
  type NodeMessage,
  nodeEvalResultSchema,
  nodeInferResultSchema,
  nodeMessageSchema,
  PROTOCOL_VERSION,
} from "@distillery/shared";
import { repoRoot } from "@distillery/shared/node";
import { afterEach, describe, expect, it } from "vitest";
import { type WebSocket, WebSocketServer } from "ws";
import { Agent } from "./agent";

const TOKEN = "node-secret";
const ROWS = 45;

type FakeHub = {
  url: string;
  messages: NodeMessage[];
  sockets: WebSocket[];
  send: (message: HubMessage) => void;
  next: (type: NodeMessage["type"], after?: number) => Promise<NodeMessage>;
  downloads: string[];
  close: () => Promise<void>;
};

function makeModelArchive(): { bytes: Buffer; sha256: string } {
  const dir = mkdtempSync(join(tmpdir(), "model-"));
  const card = { kind: "probe", dimensions: ["impact", "rigor"], categories: { genre: ["news", "opinion"] } };
  writeFileSync(join(dir, "distillery.json"), JSON.stringify(card));
  const archive = join(mkdtempSync(join(tmpdir(), "archive-")), "model.tar.gz");
  execFileSync("tar", ["-czf", archive, "-C", dir, "."]);
  const bytes = readFileSync(archive);
  return { bytes, sha256: createHash("sha256").update(bytes).digest("hex") };
}

/** A dataset split as the hub serves it: rows with the oracle's scores and categories. */
function splitRows(split: DatasetRow["split"], count: number): string {
  return Array.from(
    { length: count },
    (_, i): DatasetRow => ({
      article_id: `${split}-${i}`,
      split,
      url: "",
      title: "t",
      body: "b",
      language: "en",
      source: "s",
      scores: { impact: i % 10, rigor: (i * 3) % 10 },
      reasons: {},
      categories: { genre: i % 2 ? "news" : "opinion" },
      overall: 5,
      tier: "medium",
    }),
  )
    .map((row) => JSON.stringify(row))
    .join("\n");
}

async function startHub(model: { bytes: Buffer }): Promise<FakeHub> {
  const input = Array.from({ length: ROWS }, (_, i) =>
    JSON.stringify({ id: `a${i}`, title: "t", body: "b", language: "en", source: "s" }),
  ).join("\n");
  const splits: Record<string, string> = { "/test": splitRows("test", 12), "/train": splitRows("train", 30) };
  const downloads: string[] = [];
  const server: Server = createServer((request, response) => {
    downloads.push(request.url ?? "");
    if (request.headers.authorization !== `Bearer ${TOKEN}`) return void response.writeHead(401).end();
    if (request.url === "/input") return void response.end(`${input}\n`);
    if (request.url === "/model") return void response.end(model.bytes);
    const split = splits[request.url ?? ""];
    if (split) return void response.end(`${split}\n`);
    response.writeHead(404).end();
  });
  const wss = new WebSocketServer({ server });
  const messages: NodeMessage[] = [];
  const sockets: WebSocket[] = [];
  const waiters: (() => void)[] = [];
  wss.on("connection", (socket, request) => {
    if (request.headers.authorization !== `Bearer ${TOKEN}`) return void socket.close(4001, "bad token");
    sockets.push(socket);
    socket.on("message", (data) => {
      const message = nodeMessageSchema.parse(JSON.parse(data.toString()));
      messages.push(message);
      if (message.type === "hello") {
        socket.send(
          JSON.stringify({
            type: "welcome",
            node_id: message.node_id,
            heartbeat_interval_ms: 200,
            lease_ms: 1000,
          }),
        );
      }
      for (const waiter of waiters.splice(0)) waiter();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    messages,
    sockets,
    downloads,
    send: (message) => sockets.at(-1)?.send(JSON.stringify(message)),
    next: (type, after = 0) =>
      new Promise((resolve, reject) => {
        const deadline = setTimeout(() => reject(new Error(`no ${type} message arrived`)), 15_000);
        const check = () => {
          const found = messages.slice(after).find((m) => m.type === type);
          if (found) {
            clearTimeout(deadline);
            resolve(found);
          } else waiters.push(check);
        };
        check();
      }),
    close: () =>
      new Promise((resolve) => {
        for (const socket of wss.clients) socket.terminate();
        wss.close();
        server.close(() => resolve());
      }),
  };
}

function offer(sha256: string, acknowledged: number[] = []): HubMessage {
  return {
    type: "job.offer",
    job_id: "job-1",
    lease_id: "lease-1",
    kind: "infer",
    spec: { kind: "infer", model_id: "m1", selection: { type: "all" }, shards: 2 },
    shard: { index: 1, count: 2 },
    acknowledged_chunks: acknowledged,
    lease_expires_at: new Date(Date.now() + 60_000).toISOString(),
    context: {
      inputs: { input: { url: "/input", content_hash: "input-hash" } },
      model: { id: "m1", kind: "regression", artifact_url: "/model", artifact_sha256: sha256 },
      chunk_size: 10,
    },
  };
}

function evalOffer(sha256: string): HubMessage {
  return {
    type: "job.offer",
    job_id: "job-eval",
    lease_id: "lease-eval",
    kind: "eval",
    spec: { kind: "eval", model_id: "m1" },
    shard: { index: 0, count: 1 },
    acknowledged_chunks: [],
    lease_expires_at: new Date(Date.now() + 60_000).toISOString(),
    context: {
      inputs: {
        test: { url: "/test", content_hash: "test-hash" },
        train: { url: "/train", content_hash: "train-hash" },
      },
      model: { id: "m1", kind: "probe", artifact_url: "/model", artifact_sha256: sha256 },
    },
  };
}

/** Acknowledges every chunk the agent sends, like the hub does once it stored it. */
function ackChunks(hub: FakeHub) {
  const acked = new Set<string>();
  const loop = setInterval(() => {
    for (const m of hub.messages) {
      if (m.type === "job.chunk" && !acked.has(`${m.job_id}|${m.chunk_index}`)) {
        acked.add(`${m.job_id}|${m.chunk_index}`);
        hub.send({
          type: "job.chunk.ack",
          job_id: m.job_id,
          shard: m.shard,
          chunk_index: m.chunk_index,
          stored: true,
        });
      }
    }
  }, 20);
  cleanups.push(() => clearInterval(loop));
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startAgent(hub: FakeHub, token = TOKEN) {
  const log: string[] = [];
  const agent = new Agent({
    edgeUrl: hub.url,
    token,
    workDir: mkdtempSync(join(tmpdir(), "agent-")),
    runner: { python: "python3", module: "stub_gpu", pythonPath: [join(repoRoot, "gpu-node", "fixtures")] },
    log: (line) => log.push(line),
    initialBackoffMs: 50,
    maxBackoffMs: 200,
  });
  const closed = agent.run();
  cleanups.push(() => agent.stop());
  return { agent, closed, log };
}

describe("agent", () => {
  it("introduces itself, runs an offered shard and uploads only the chunks the hub lacks", async () => {
    const model = makeModelArchive();
    const hub = await startHub(model);
    cleanups.push(hub.close);
    await startAgent(hub);
    const hello = await hub.next("hello");
    expect(hello).toMatchObject({
      protocol_version: PROTOCOL_VERSION,
      capabilities: { job_kinds: ["train", "eval", "infer"] },
    });

    hub.send(offer(model.sha256, [0, 2]));
    await hub.next("job.accept");
    // Ack every chunk as it comes, like the hub does once it stored it.
    const acked = new Set<number>();
    const ackLoop = setInterval(() => {
      for (const m of hub.messages) {
        if (m.type === "job.chunk" && !acked.has(m.chunk_index)) {
          acked.add(m.chunk_index);
          hub.send({
            type: "job.chunk.ack",
            job_id: m.job_id,
            shard: m.shard,
            chunk_index: m.chunk_index,
            stored: true,
          });
        }
      }
    }, 20);
    cleanups.push(() => clearInterval(ackLoop));
    const result = await hub.next("job.result");
    const chunks = hub.messages.filter((m) => m.type === "job.chunk");
    // 45 rows in chunks of 10: 0..4; 0 and 2 are held already, so Python starts at row 10.
    expect(chunks.map((m) => m.chunk_index).sort()).toEqual([1, 3, 4]);
    expect(chunks.every((m) => m.type === "job.chunk" && m.shard === 1 && m.lease_id === "lease-1")).toBe(
      true,
    );
    const last = chunks.find((m) => m.type === "job.chunk" && m.chunk_index === 4);
    expect(last?.type === "job.chunk" && last.predictions.map((p) => p.article_id)).toEqual([
      "a40",
      "a41",
      "a42",
      "a43",
      "a44",
    ]);
    expect(result).toMatchObject({ type: "job.result", job_id: "job-1", result: { predictions: 35 } });
    expect(nodeInferResultSchema.parse(result.type === "job.result" && result.result)).toMatchObject({
      kind: "probe",
    });
    const progress = hub.messages.filter((m) => m.type === "job.progress");
    expect(progress.at(-1)).toMatchObject({ progress: { done: 45, total: 45 } });
  });

  it("resends unacknowledged chunks after a reconnect and re-claims the job", async () => {
    const model = makeModelArchive();
    const hub = await startHub(model);
    cleanups.push(hub.close);
    await startAgent(hub);
    await hub.next("hello");
    hub.send(offer(model.sha256));
    const chunksSince = (from: number) => hub.messages.slice(from).filter((m) => m.type === "job.chunk");
    await expect.poll(() => chunksSince(0).length, { timeout: 15_000 }).toBe(5);
    const before = hub.messages.length;
    hub.sockets.at(-1)?.terminate();
    await hub.next("hello", before);
    expect(await hub.next("heartbeat", before)).toMatchObject({ job_id: "job-1" });
    // Nothing was acknowledged: all five chunks come again, and the result only once they are.
    await expect.poll(() => chunksSince(before).length, { timeout: 15_000 }).toBe(5);
    expect(hub.messages.some((m) => m.type === "job.result")).toBe(false);
    for (const m of chunksSince(before)) {
      if (m.type === "job.chunk") {
        hub.send({
          type: "job.chunk.ack",
          job_id: m.job_id,
          shard: m.shard,
          chunk_index: m.chunk_index,
          stored: true,
        });
      }
    }
    expect(await hub.next("job.result", before)).toMatchObject({ result: { predictions: 45 } });
  });

  it("evaluates with the train split and sends the lexical baseline inline, the predictions as chunks", async () => {
    const model = makeModelArchive();
    const hub = await startHub(model);
    cleanups.push(hub.close);
    await startAgent(hub);
    await hub.next("hello");
    ackChunks(hub);
    hub.send(evalOffer(model.sha256));
    const message = await hub.next("job.result");
    expect(hub.downloads).toEqual(expect.arrayContaining(["/test", "/train", "/model"]));
    const result = nodeEvalResultSchema.parse(message.type === "job.result" && message.result);
    expect(result).toMatchObject({ kind: "probe", n: 12, conformal: { method: "normalized" }, missing: {} });
    expect(result.lexical_baseline).toHaveLength(12);
    expect(result.lexical_baseline?.[0]).toMatchObject({
      article_id: "test-0",
      categories: { genre: "news" },
    });
    expect(Object.keys(result)).not.toContain("predictions");
    const predictions = hub.messages.flatMap((m) => (m.type === "job.chunk" ? m.predictions : []));
    expect(predictions).toHaveLength(12);
    // The student's own categories travel with its scores.
    expect(predictions[1]).toMatchObject({ article_id: "test-1", categories: { genre: "news" } });
  });

  it("fails the job with result.invalid, naming the field, when Python's result breaks the contract", async () => {
    const model = makeModelArchive();
    const hub = await startHub(model);
    cleanups.push(hub.close);
    await startAgent(hub);
    await hub.next("hello");
    ackChunks(hub);
    process.env.STUB_BAD_RESULT = "1";
    cleanups.push(() => {
      delete process.env.STUB_BAD_RESULT;
    });
    hub.send(offer(model.sha256));
    const failed = await hub.next("job.failed");
    expect(failed).toMatchObject({ job_id: "job-1", code: "result.invalid", retryable: false });
    expect(failed.type === "job.failed" && failed.message).toMatch(/kind: /);
    expect(hub.messages.some((m) => m.type === "job.result")).toBe(false);
  });

  it("stops for good when the hub refuses the token", async () => {
    const hub = await startHub(makeModelArchive());
    cleanups.push(hub.close);
    const { closed } = await startAgent(hub, "wrong");
    await expect(closed).resolves.toMatchObject({ code: 4001, reason: "bad token" });
  });

  it("cancel kills the Python process and sends no result", async () => {
    const model = makeModelArchive();
    const hub = await startHub(model);
    cleanups.push(hub.close);
    const { log } = await startAgent(hub);
    await hub.next("hello");
    process.env.STUB_CHUNK_DELAY_S = "0.5";
    cleanups.push(() => {
      delete process.env.STUB_CHUNK_DELAY_S;
    });
    hub.send(offer(model.sha256));
    await hub.next("job.chunk");
    hub.send({ type: "job.cancel", job_id: "job-1", reason: "user cancelled" });
    await expect.poll(() => log.includes("job job-1: cancelled")).toBe(true);
    expect(hub.messages.some((m) => m.type === "job.result" || m.type === "job.failed")).toBe(false);
  });
});
