/**
 * The node hub and the agent end to end: a real `wrangler dev` (local D1/R2/Durable Objects), real
 * `distillery-node` processes running a real Python subprocess (the stub module, which writes
 * checkpoints, adapters and prediction files like the real package), and a raw socket for what the
 * agent never sends (invalid messages, duplicate uploads).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { evalReportSchema, exampleFilter, jobResultSchemas, PROTOCOL_VERSION } from "@distillery/shared";
import { sha256HexSync } from "@distillery/shared/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type AgentProcess,
  cpuNodeCapabilities,
  datasetFiles,
  type Edge,
  jobFinished,
  killGroup,
  prepareEdge,
  rawNode,
  sqlString,
  startAgent,
  startEdge,
  waitFor,
} from "./node-harness";

const PORT = 8811;
const LEASE_MS = 2_000;
const filter = exampleFilter();
const capabilities = cpuNodeCapabilities(["infer"]);

let edge: Edge;
const agents: AgentProcess[] = [];

beforeAll(async () => {
  const prepared = await prepareEdge({
    seedSql: [
      `INSERT INTO filters (name, version, package, prompt_hash, description, created_by) VALUES (${sqlString(filter.name)}, 1, ${sqlString(filter)}, 'h', 'test', 'test');`,
      `INSERT INTO datasets (id, filter, filter_version, seed, report, content_hash) VALUES ('ds_test', ${sqlString(filter.name)}, 1, 42, '{}', 'dshash');`,
      `INSERT INTO student_models (id, filter, filter_version, dataset_id, kind, base_model, backend, artifact_key, artifact_sha256) VALUES ('mdl_seed', ${sqlString(filter.name)}, 1, 'ds_test', 'regression', 'stub', 'stub', 'models/mdl_seed/adapter.tar.gz', NULL);`,
      ...Array.from(
        { length: 30 },
        (_, i) =>
          `INSERT INTO articles (id, url, normalized_url, content_hash, title, body, body_chars, language, source) VALUES ('art-${i}', 'https://x/${i}', 'x/${i}', 'c${i}', 'T${i}', 'B${i}', 2, 'en', 'test');`,
      ),
    ],
    r2: datasetFiles(filter, { train: 24, validation: 6, test: 8 }, (i) => ({
      scores: { deployment: (i % 10) + 0.5, impact: (i * 3) % 10, evidence: (i * 7) % 10 },
      title: `Article ${i}`,
      body: "Solar farms and heat pumps.",
      language: i % 2 ? "en" : "nl",
      source: "test",
    })),
  });
  edge = await startEdge(prepared, { port: PORT, leaseMs: LEASE_MS });
}, 120_000);

afterEach(async () => {
  await Promise.all(agents.splice(0).map((agent) => killGroup(agent.child)));
});

afterAll(async () => {
  await edge?.stop();
});

async function job(id: string) {
  return (await (await edge.api(`/v1/jobs/${id}`)).json()) as {
    state: string;
    attempts: number;
    progress: { done: number; step?: number };
    result: Record<string, unknown> | null;
    error: unknown;
  };
}

describe("node hub", () => {
  it("refuses a bad token and a non-node token with close codes the agent reports", async () => {
    const bad = startAgent(edge, { token: "dst_not_a_token" });
    agents.push(bad);
    expect(await bad.exited).toBe(2);
    expect(bad.output()).toContain("unknown or revoked");
    const wrongRole = await rawNode(edge, edge.submitterToken);
    expect(await wrongRole.closed).toMatchObject({ code: 4003 });
  });

  it("answers invalid messages with an error and stays up", async () => {
    const node = await rawNode(edge, edge.nodeToken);
    node.send("this is not json");
    expect(await node.next("error")).toMatchObject({ code: "protocol.invalid_json" });
    node.send({ type: "heartbeat", job_id: null });
    expect(await node.next("error", 1)).toMatchObject({ code: "protocol.hello_first" });
    node.send({ type: "job.result", job_id: "x" });
    expect(await node.next("error", 2)).toMatchObject({ code: "protocol.invalid_message" });
    node.send({ type: "no.such.type" });
    expect(await node.next("error", 3)).toMatchObject({ code: "protocol.invalid_message" });
    const hello = {
      type: "hello",
      protocol_version: PROTOCOL_VERSION,
      node_id: "raw-1",
      name: "raw",
      agent_version: "t",
    };
    node.send({ ...hello, capabilities });
    expect(await node.next("welcome")).toMatchObject({ node_id: "raw-1", lease_ms: LEASE_MS });
    const listed = (await (await edge.api("/v1/nodes")).json()) as { items: { node_id: string }[] };
    expect(listed.items.map((n) => n.node_id)).toContain("raw-1");
    node.socket.close();
    await node.closed;
  });

  it("stores a duplicated chunk and a duplicated result once", async () => {
    const node = await rawNode(edge, edge.nodeToken);
    const hello = {
      type: "hello",
      protocol_version: PROTOCOL_VERSION,
      node_id: "raw-2",
      name: "raw",
      agent_version: "t",
    };
    node.send({ ...hello, capabilities });
    await node.next("welcome");
    const created = await edge.api("/v1/jobs", { json: { kind: "infer", model_id: "mdl_seed" } });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const offer = await node.next("job.offer");
    expect(offer).toMatchObject({ job_id: id, kind: "infer", context: { chunk_size: 1000 } });
    node.send({ type: "heartbeat", job_id: id });
    node.send({ type: "job.accept", job_id: id, lease_id: offer.lease_id });
    const predictions = Array.from({ length: 30 }, (_, i) => ({
      article_id: `art-${i}`,
      scores: { deployment: 5, impact: 5, evidence: 5 },
    }));
    const chunk = {
      type: "job.chunk",
      job_id: id,
      lease_id: offer.lease_id,
      shard: 0,
      chunk_index: 0,
      predictions,
    };
    node.send(chunk);
    node.send(chunk);
    await waitFor("two acks", async () =>
      node.received.filter((m) => m.type === "job.chunk.ack").length === 2 ? true : undefined,
    );
    const acks = node.received.filter((m) => m.type === "job.chunk.ack");
    expect(acks.map((a) => a.type === "job.chunk.ack" && a.stored)).toEqual([true, false]);
    const inferred = { kind: "regression", predictions: 30, chunks: 1, coverage: null, articles_per_s: 100 };
    const result = { type: "job.result", job_id: id, lease_id: offer.lease_id, result: inferred };
    node.send(result);
    node.send(result);
    await waitFor("two result acks", async () =>
      node.received.filter((m) => m.type === "job.result.ack").length === 2 ? true : undefined,
    );
    const finished = await jobFinished(edge, id);
    expect(finished.state).toBe("succeeded");
    expect(finished.result).toMatchObject({ predictions: 30, chunks: 1 });
    node.socket.close();
    await node.closed;
  });

  it("fails a job whose result breaks the contract with result.invalid, naming the field", async () => {
    const node = await rawNode(edge, edge.nodeToken);
    const hello = {
      type: "hello",
      protocol_version: PROTOCOL_VERSION,
      node_id: "raw-3",
      name: "raw",
      agent_version: "t",
    };
    node.send({ ...hello, capabilities });
    await node.next("welcome");
    const created = await edge.api("/v1/jobs", { json: { kind: "infer", model_id: "mdl_seed" } });
    const { id } = (await created.json()) as { id: string };
    const offer = await node.next("job.offer");
    node.send({ type: "job.accept", job_id: id, lease_id: offer.lease_id });
    // The pre-contract shape: `count` instead of `predictions`, no kind.
    node.send({ type: "job.result", job_id: id, lease_id: offer.lease_id, result: { count: 30 } });
    await node.next("job.result.ack");
    const failed = await jobFinished(edge, id);
    expect(failed.state).toBe("failed");
    expect(failed.error).toMatchObject({ code: "result.invalid", message: expect.stringMatching(/kind/) });
    expect(failed.result).toBeNull();
    node.socket.close();
    await node.closed;
  });

  it("re-offers a job whose node was killed mid-training; a second node finishes it and scores with the model", async () => {
    const slow = { STUB_TRAIN_STEPS: "40", STUB_STEP_DELAY_S: "0.1" };
    const first = startAgent(edge, { token: edge.nodeToken, name: "first", env: slow });
    agents.push(first);
    const created = await edge.api("/v1/jobs", { json: { kind: "train", dataset_id: "ds_test" } });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    await waitFor("training progress", async () => ((await job(id)).progress.step ?? 0) >= 3 || undefined);
    await killGroup(first.child, "SIGKILL");
    const killedAt = Date.now();
    const second = startAgent(edge, { token: edge.nodeToken, name: "second" });
    agents.push(second);
    const done = await jobFinished(edge, id, 60_000);
    expect(done.error).toBeNull();
    expect(done.state).toBe("succeeded");
    expect(done.attempts).toBe(2);
    expect(Date.now() - killedAt).toBeGreaterThan(LEASE_MS / 2);
    const trained = jobResultSchemas.train.parse(done.result);
    expect(trained.details).toMatchObject({
      train_rows: 24,
      validation_rows: 6,
      resumed_from_step: 0,
      steps: 20,
    });
    expect(trained).toMatchObject({
      kind: filter.student.kind,
      base_model: filter.student.base_model,
      backend: "stub",
    });
    const modelId = String(done.result?.model_id);
    const artifact = await edge.api(`/v1/models/${modelId}/artifact`);
    expect(artifact.status).toBe(200);
    const bytes = Buffer.from(await artifact.arrayBuffer());
    expect(sha256HexSync(bytes)).toBe(artifact.headers.get("x-content-sha256"));
    expect(done.result?.artifact_sha256).toBe(artifact.headers.get("x-content-sha256"));

    const evalJob = await edge.api("/v1/jobs", { json: { kind: "eval", model_id: modelId } });
    expect(evalJob.status).toBe(201);
    const evalId = ((await evalJob.json()) as { id: string }).id;
    const evaluated = await jobFinished(edge, evalId);
    expect(evaluated.error).toBeNull();
    // The stub predicts the oracle's scores + 0.3 (clamped to 10): every dimension's MAE is at most 0.3.
    const { metrics } = jobResultSchemas.eval.parse(evaluated.result);
    expect(evaluated.result).toMatchObject({ n_test: 8, metrics: { n: 8 } });
    expect(metrics.dimension_mae).toBeGreaterThan(0);
    expect(metrics.dimension_mae).toBeLessThanOrEqual(0.3 + 1e-9);
    // The report is complete: the node was given the train split, so the lexical baseline is there.
    const report = evalReportSchema.parse(await (await edge.api(`/v1/jobs/${evalId}/report`)).json());
    expect(report.model).toMatchObject({
      id: modelId,
      base_model: filter.student.base_model,
      backend: "stub",
    });
    expect(report.baselines.lexical?.n).toBe(8);
    expect(report.training_curve?.points).toHaveLength(20);
    expect(report.missing["baselines.lexical"]).toBeUndefined();
  }, 120_000);

  it("a node that comes back resumes a killed training job from its checkpoint", async () => {
    const workDir = mkdtempSync(join(tmpdir(), "resume-node-"));
    const env = { STUB_TRAIN_STEPS: "30", STUB_STEP_DELAY_S: "0.1", STUB_CHECKPOINT_EVERY: "5" };
    const first = startAgent(edge, { token: edge.nodeToken, workDir, env });
    agents.push(first);
    const created = await edge.api("/v1/jobs", { json: { kind: "train", dataset_id: "ds_test" } });
    const { id } = (await created.json()) as { id: string };
    await waitFor("a checkpoint", async () => ((await job(id)).progress.step ?? 0) >= 12 || undefined);
    await killGroup(first.child, "SIGKILL");
    const again = startAgent(edge, { token: edge.nodeToken, workDir, env });
    agents.push(again);
    const done = await jobFinished(edge, id, 60_000);
    expect(done.state).toBe("succeeded");
    expect(jobResultSchemas.train.parse(done.result).details.resumed_from_step).toBeGreaterThanOrEqual(10);
    expect(again.output()).toContain("resuming from checkpoint");
  }, 90_000);
});
