/**
 * What a node token may do on the hub, inside workerd with real node sockets (`/v1/nodes/connect`):
 * a node id belongs to the token that first registered it, chunks, results and artifact uploads are
 * taken only from the node holding the job's lease, a registered model's artifact never changes, and
 * revoking a token closes the sockets opened with it.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import {
  errorBodySchema,
  exampleFilter,
  type HubMessage,
  jobSchema,
  type NodeCapabilities,
  PROTOCOL_VERSION,
  sha256Hex,
  tokenCreatedSchema,
} from "@distillery/shared";
import { describe, expect, it } from "vitest";
import { call, makeToken, storeArticle, storeFilter } from "../../test/helpers";
import { newId } from "../db/client";
import worker from "../index";

const filter = exampleFilter();

function capabilities(jobKinds: NodeCapabilities["job_kinds"]): NodeCapabilities {
  return {
    python: "3.11.7",
    torch: null,
    cuda: false,
    bf16: false,
    flash_attention: false,
    gpus: [],
    backends: { unsloth: false, peft: true, bitsandbytes: false, vllm: false, sentence_transformers: false },
    free_disk_gb: 10,
    job_kinds: jobKinds,
  };
}

type TestNode = {
  socket: WebSocket;
  messages: HubMessage[];
  closed: Promise<{ code: number; reason: string }>;
  send: (message: unknown) => void;
  next: <T extends HubMessage["type"]>(
    type: T,
    match?: (m: Extract<HubMessage, { type: T }>) => boolean,
  ) => Promise<Extract<HubMessage, { type: T }>>;
};

/** Opens a node socket with `token` and says hello as `nodeId` (no welcome awaited). */
async function openNode(
  token: string,
  nodeId: string,
  jobKinds: NodeCapabilities["job_kinds"] = [],
): Promise<TestNode> {
  const response = await call("/v1/nodes/connect", { token, headers: { upgrade: "websocket" } });
  const socket = response.webSocket!;
  const messages: HubMessage[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.addEventListener("close", (event) => resolve({ code: event.code, reason: event.reason })),
  );
  socket.addEventListener("message", (event) => {
    messages.push(JSON.parse(event.data as string));
  });
  socket.accept();
  const send = (message: unknown) => socket.send(JSON.stringify(message));
  send({
    type: "hello",
    protocol_version: PROTOCOL_VERSION,
    node_id: nodeId,
    name: nodeId,
    agent_version: "test",
    capabilities: capabilities(jobKinds),
    checkpoints: [],
  });
  const next: TestNode["next"] = async (type, match) => {
    let found: HubMessage | undefined;
    await until(`a ${type} message`, () => {
      found = messages.find((m) => m.type === type && (!match || match(m as never)));
      return found !== undefined;
    });
    return found as never;
  };
  return { socket, messages, closed, send, next };
}

/** A node that said hello, got its welcome and asked for work. */
async function connectNode(token: string, nodeId: string, jobKinds: NodeCapabilities["job_kinds"] = []) {
  const node = await openNode(token, nodeId, jobKinds);
  await node.next("welcome");
  node.send({ type: "heartbeat", job_id: null });
  return node;
}

async function closeNode(node: TestNode): Promise<void> {
  try {
    node.socket.close(1000, "test over");
  } catch {
    // Closed by the hub already.
  }
  await node.closed;
}

async function until(what: string, ready: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await ready()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Creates a token through the API (so its id is known); returns id and secret. */
async function createToken(admin: string, role: "node" | "bot") {
  const created = await call("/v1/tokens", { token: admin, json: { role } });
  expect(created.status).toBe(201);
  return tokenCreatedSchema.parse(await created.json());
}

async function errorCode(response: Response): Promise<string> {
  return errorBodySchema.parse(await response.json()).error.code;
}

async function putArtifact(modelId: string, token: string, bytes: Uint8Array, leaseId?: string) {
  return call(`/v1/models/${modelId}/artifact`, {
    method: "PUT",
    token,
    body: bytes,
    headers: {
      "content-type": "application/gzip",
      "x-content-sha256": await sha256Hex(bytes),
      ...(leaseId ? { "x-distillery-lease-id": leaseId } : {}),
    },
  });
}

describe("node ids belong to their token", () => {
  it("refuses another token's hello with a bound node id (4010) and leaves the owner connected", async () => {
    const owner = await makeToken("node");
    const intruder = await makeToken("node");
    const nodeId = newId("node");
    const first = await connectNode(owner, nodeId);
    const second = await openNode(intruder, nodeId);
    const refused = await second.closed;
    expect(refused.code).toBe(4010);
    expect(refused.reason).toMatch(/registered by another token/);
    expect(second.messages.some((m) => m.type === "welcome")).toBe(false);
    // The owner is neither replaced nor disturbed, and still listed.
    first.send({ type: "heartbeat", job_id: null });
    const listed = (await (await call("/v1/nodes", { token: owner })).json()) as {
      items: { node_id: string }[];
    };
    expect(listed.items.map((n) => n.node_id)).toContain(nodeId);
    expect(first.socket.readyState).toBe(WebSocket.OPEN);
    await closeNode(first);
  });

  it("closes a node's socket with 4002 when its token is revoked; a new token may then claim the id", async () => {
    const admin = await makeToken("admin");
    const old = await createToken(admin, "node");
    const nodeId = newId("node");
    const node = await connectNode(old.token, nodeId);
    const revoked = await call(`/v1/tokens/${old.id}/revoke`, { token: admin, method: "POST" });
    expect(revoked.status).toBe(200);
    expect(await node.closed).toMatchObject({ code: 4002, reason: expect.stringMatching(/revoked/) });
    const replacement = await createToken(admin, "node");
    const again = await connectNode(replacement.token, nodeId);
    expect(await again.next("welcome")).toMatchObject({ node_id: nodeId });
    await closeNode(again);
  });
});

describe("only the lease holder uploads", () => {
  it("answers chunks and results under someone else's lease with lease.not_held and stores nothing", async () => {
    await storeFilter(filter);
    const ids = [await storeArticle("Wind farm", "A wind farm delivers 10 MW.")];
    const modelId = newId("mdl");
    await env.DB.prepare(
      `INSERT INTO student_models (id, filter, filter_version, dataset_id, kind, base_model, backend, artifact_key, artifact_sha256)
       VALUES (?, ?, 1, 'ds_x', 'regression', 'stub', 'stub', 'models/x/adapter.tar.gz', 'abc')`,
    )
      .bind(modelId, filter.name)
      .run();
    const bot = await makeToken("bot");
    const holder = await connectNode(await makeToken("node"), newId("node"), ["infer"]);
    const other = await connectNode(await makeToken("node"), newId("node"));
    const created = await call("/v1/jobs", {
      token: bot,
      json: { kind: "infer", model_id: modelId, selection: { type: "ids", ids } },
    });
    expect(created.status).toBe(201);
    const jobId = jobSchema.parse(await created.json()).id;
    const offer = await holder.next("job.offer", (m) => m.job_id === jobId);
    const predictions = [{ article_id: ids[0], scores: { deployment: 5, impact: 5, evidence: 5 } }];
    const chunk = { type: "job.chunk", job_id: jobId, lease_id: offer.lease_id, chunk_index: 0, predictions };
    other.send(chunk);
    expect(await other.next("error")).toMatchObject({ code: "lease.not_held" });
    expect(other.messages.some((m) => m.type === "job.chunk.ack")).toBe(false);
    const stored = await env.DB.prepare("SELECT count(*) AS n FROM predictions WHERE job_id = ?")
      .bind(jobId)
      .first<{ n: number }>();
    expect(stored?.n).toBe(0);
    const result = { kind: "regression", predictions: 1, chunks: 1, coverage: null, articles_per_s: 1 };
    other.send({ type: "job.result", job_id: jobId, lease_id: offer.lease_id, result });
    await until("a second error", () => other.messages.filter((m) => m.type === "error").length === 2);
    expect(other.messages.some((m) => m.type === "job.result.ack")).toBe(false);
    const shard = await env.DB.prepare("SELECT state FROM job_shards WHERE job_id = ?")
      .bind(jobId)
      .first<{ state: string }>();
    expect(shard?.state).toBe("leased");
    // The holder's own chunk goes in.
    holder.send(chunk);
    expect(await holder.next("job.chunk.ack")).toMatchObject({ job_id: jobId, stored: true });
    await call(`/v1/jobs/${jobId}/cancel`, { token: bot, method: "POST" });
    await closeNode(holder);
    await closeNode(other);
  });

  it("takes a model's artifact only from the train job's lease holder, once, and never changes a registered one", async () => {
    await storeFilter(filter);
    const datasetId = newId("ds");
    await env.DB.prepare(
      "INSERT INTO datasets (id, filter, filter_version, seed, report, content_hash) VALUES (?, ?, ?, 42, '{}', 'h')",
    )
      .bind(datasetId, filter.name, filter.version)
      .run();
    const bot = await makeToken("bot");
    const holderToken = await makeToken("node");
    const otherToken = await makeToken("node");
    const holder = await connectNode(holderToken, newId("node"), ["train"]);
    const created = await call("/v1/jobs", {
      token: bot,
      json: { kind: "train", dataset_id: datasetId, student: { kind: "lexical" } },
    });
    const jobId = jobSchema.parse(await created.json()).id;
    const offer = await holder.next("job.offer", (m) => m.job_id === jobId);
    const modelId = offer.context.output_model_id!;
    const archive = new TextEncoder().encode("adapter bytes");

    const noLease = await putArtifact(modelId, holderToken, archive);
    expect(noLease.status).toBe(400);
    expect(await errorCode(noLease)).toBe("artifact.lease_required");
    const stolen = await putArtifact(modelId, otherToken, archive, offer.lease_id);
    expect(stolen.status).toBe(403);
    expect(await errorCode(stolen)).toBe("artifact.lease_not_held");
    const otherModel = await putArtifact(newId("mdl"), holderToken, archive, offer.lease_id);
    expect(otherModel.status).toBe(403);
    expect(await errorCode(otherModel)).toBe("artifact.lease_not_held");
    expect(await env.BUCKET.head(`models/${modelId}/adapter.tar.gz`)).toBeNull();

    const uploaded = await putArtifact(modelId, holderToken, archive, offer.lease_id);
    expect(uploaded.status).toBe(201);
    // The agent retrying the same upload is fine; different bytes under the same lease are not.
    expect((await putArtifact(modelId, holderToken, archive, offer.lease_id)).status).toBe(200);
    const changed = await putArtifact(
      modelId,
      holderToken,
      new TextEncoder().encode("other"),
      offer.lease_id,
    );
    expect(changed.status).toBe(409);
    expect(await errorCode(changed)).toBe("artifact.exists");

    // A registered model keeps its checksum whoever asks.
    const registered = newId("mdl");
    await env.DB.prepare(
      `INSERT INTO student_models (id, filter, filter_version, dataset_id, kind, base_model, backend, artifact_key, artifact_sha256, artifact_bytes)
       VALUES (?, ?, 1, ?, 'lexical', 'stub', 'stub', ?, 'f00d', 4)`,
    )
      .bind(registered, filter.name, datasetId, `models/${registered}/adapter.tar.gz`)
      .run();
    const overwrite = await putArtifact(registered, holderToken, archive, offer.lease_id);
    expect(overwrite.status).toBe(409);
    expect(await errorCode(overwrite)).toBe("artifact.exists");
    const row = await env.DB.prepare("SELECT artifact_sha256 FROM student_models WHERE id = ?")
      .bind(registered)
      .first<{ artifact_sha256: string }>();
    expect(row?.artifact_sha256).toBe("f00d");
    await call(`/v1/jobs/${jobId}/cancel`, { token: bot, method: "POST" });
    await closeNode(holder);
  });

  it("refuses an artifact over ARTIFACT_MAX_BYTES with 413 artifact.too_large", async () => {
    const token = await makeToken("node");
    const bytes = new Uint8Array(64);
    const request = new Request(`http://edge.test/v1/models/${newId("mdl")}/artifact`, {
      method: "PUT",
      body: bytes,
      headers: {
        authorization: `Bearer ${token}`,
        "content-length": String(bytes.byteLength),
        "x-content-sha256": await sha256Hex(bytes),
        "x-distillery-lease-id": newId("lease"),
      },
    });
    const ctx = createExecutionContext();
    const response = await worker.fetch(request, { ...env, ARTIFACT_MAX_BYTES: "16" }, ctx);
    await waitOnExecutionContext(ctx);
    expect(response.status).toBe(413);
    expect(await errorCode(response)).toBe("artifact.too_large");
  });
});
