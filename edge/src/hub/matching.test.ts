/**
 * Matching jobs to nodes by student kind, inside workerd: real node sockets on the hub (`/v1/nodes/connect`),
 * jobs created through the API, and what a person sees of a job that no connected node can run
 * (`GET /v1/jobs/{id}`'s `progress.message`).
 */
import { env } from "cloudflare:test";
import {
  exampleFilter,
  type HubMessage,
  jobSchema,
  type NodeCapabilities,
  PROTOCOL_VERSION,
  type StudentKind,
} from "@distillery/shared";
import { describe, expect, it } from "vitest";
import { call, makeToken, storeFilter } from "../../test/helpers";
import { newId } from "../db/client";
import { canRun, waitingReason } from "./matching";

const filter = exampleFilter();

function capabilities(studentKinds: StudentKind[] | undefined, cuda = false): NodeCapabilities {
  return {
    python: "3.11.7",
    torch: cuda ? "2.15.0" : null,
    cuda,
    bf16: cuda,
    flash_attention: false,
    gpus: cuda ? [{ name: "NVIDIA H100", memory_gb: 80, free_memory_gb: 79 }] : [],
    backends: { unsloth: false, peft: cuda, bitsandbytes: false, vllm: false, sentence_transformers: cuda },
    free_disk_gb: 100,
    job_kinds: ["train", "eval", "infer"],
    ...(studentKinds ? { student_kinds: studentKinds } : {}),
  };
}
const CPU_NODE = capabilities(["lexical", "probe"]);
const GPU_NODE = capabilities(["lexical", "probe", "encoder", "regression", "generative"], true);
/** torch without a working CUDA; its (older) Python package still lists the LoRA students. */
const TORCH_CPU_NODE: NodeCapabilities = {
  ...capabilities(["lexical", "probe", "encoder", "regression", "generative"]),
  torch: "2.15.0",
};

describe("which node can run which job", () => {
  it("offers a job only to a node whose Python environment runs its student kind", () => {
    expect(canRun(CPU_NODE, { kind: "train", student: "lexical" })).toBe(true);
    expect(canRun(CPU_NODE, { kind: "train", student: "regression" })).toBe(false);
    expect(canRun(CPU_NODE, { kind: "infer", student: "generative" })).toBe(false);
    expect(canRun(GPU_NODE, { kind: "eval", student: "regression" })).toBe(true);
    // An agent that does not say which students it runs (older) is taken at its job kinds.
    expect(canRun(capabilities(undefined), { kind: "train", student: "regression" })).toBe(true);
    expect(canRun({ ...GPU_NODE, job_kinds: [] }, { kind: "train", student: "lexical" })).toBe(false);
  });

  it("says what to start when no connected node can run a job", () => {
    expect(waitingReason({ kind: "train", student: "regression" }, [CPU_NODE])).toBe(
      "waiting: no connected node can train `regression` students: start a GPU node",
    );
    expect(waitingReason({ kind: "infer", student: "generative" }, [])).toBe(
      "waiting: no connected node can score with `generative` students: start a GPU node",
    );
    expect(waitingReason({ kind: "eval", student: "probe" }, [])).toBe(
      "waiting: no connected node can evaluate `probe` students: start a node (npx distillery-node; no GPU needed)",
    );
    expect(waitingReason({ kind: "train", student: "regression" }, [CPU_NODE, GPU_NODE])).toBeNull();
  });

  it("never offers a CUDA student to a node whose CUDA does not work, and says so", () => {
    expect(canRun(TORCH_CPU_NODE, { kind: "train", student: "regression" })).toBe(false);
    expect(canRun(TORCH_CPU_NODE, { kind: "infer", student: "generative" })).toBe(false);
    expect(waitingReason({ kind: "train", student: "regression" }, [CPU_NODE, TORCH_CPU_NODE])).toBe(
      "waiting: no connected node can train `regression` students: they need a CUDA GPU, and the connected node with torch has none that works (`npm run py -- doctor` on it says why): start a GPU node",
    );
  });

  it("runs the encoder student wherever torch is, GPU or not", () => {
    expect(canRun(TORCH_CPU_NODE, { kind: "train", student: "encoder" })).toBe(true);
    expect(canRun(GPU_NODE, { kind: "infer", student: "encoder" })).toBe(true);
    expect(canRun(CPU_NODE, { kind: "train", student: "encoder" })).toBe(false);
    expect(waitingReason({ kind: "train", student: "encoder" }, [CPU_NODE])).toBe(
      "waiting: no connected node can train `encoder` students: start a node with the full Python profile (torch; a GPU makes it much faster)",
    );
  });
});

type TestNode = { socket: WebSocket; messages: HubMessage[]; close: () => void };

/** Connects a node to the hub the way the agent does: hello, then a heartbeat that asks for work. */
async function connectNode(token: string, name: string, caps: NodeCapabilities): Promise<TestNode> {
  const response = await call("/v1/nodes/connect", { token, headers: { upgrade: "websocket" } });
  const socket = response.webSocket!;
  expect(socket).toBeTruthy();
  socket.accept();
  const messages: HubMessage[] = [];
  socket.addEventListener("message", (event) => {
    messages.push(JSON.parse(event.data as string) as HubMessage);
  });
  socket.send(
    JSON.stringify({
      type: "hello",
      protocol_version: PROTOCOL_VERSION,
      node_id: newId("node"),
      name,
      agent_version: "test",
      capabilities: caps,
      checkpoints: [],
    }),
  );
  await until(`${name}'s welcome`, () => messages.some((m) => m.type === "welcome"));
  socket.send(JSON.stringify({ type: "heartbeat", job_id: null }));
  return { socket, messages, close: () => socket.close(1000, "test over") };
}

/** Waits (bounded) until `ready` holds. */
async function until(what: string, ready: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await ready()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function createTrainJob(token: string, datasetId: string, student: StudentKind): Promise<string> {
  const created = await call("/v1/jobs", {
    token,
    json: { kind: "train", dataset_id: datasetId, student: { kind: student } },
  });
  expect(created.status).toBe(201);
  return jobSchema.parse(await created.json()).id;
}

async function jobOf(token: string, id: string) {
  return jobSchema.parse(await (await call(`/v1/jobs/${id}`, { token })).json());
}

const offersOf = (node: TestNode) => node.messages.flatMap((m) => (m.type === "job.offer" ? [m.job_id] : []));

describe("the hub's scheduling by student kind", () => {
  it("keeps a regression job for a GPU node, says why it waits, and gives a CPU node the lexical job", async () => {
    await storeFilter(filter);
    const datasetId = newId("ds");
    await env.DB.prepare(
      "INSERT INTO datasets (id, filter, filter_version, seed, report, content_hash) VALUES (?, ?, ?, 42, '{}', 'h')",
    )
      .bind(datasetId, filter.name, filter.version)
      .run();
    const bot = await makeToken("bot");
    const nodeToken = await makeToken("node");
    const waiting = "waiting: no connected node can train `regression` students: start a GPU node";

    const regressionJob = await createTrainJob(bot, datasetId, "regression");
    await until(
      "the waiting reason",
      async () => (await jobOf(bot, regressionJob)).progress.message === waiting,
    );

    const cpu = await connectNode(nodeToken, "cpu-node", CPU_NODE);
    const lexicalJob = await createTrainJob(bot, datasetId, "lexical");
    await until("an offer to the CPU node", () => offersOf(cpu).length > 0);
    // The older regression job is never offered to it; the lexical one is.
    expect(offersOf(cpu)).toEqual([lexicalJob]);
    const stillWaiting = await jobOf(bot, regressionJob);
    expect(stillWaiting.state).toBe("queued");
    expect(stillWaiting.progress.message).toBe(waiting);

    const gpu = await connectNode(nodeToken, "gpu-node", GPU_NODE);
    await until("an offer to the GPU node", () => offersOf(gpu).length > 0);
    expect(offersOf(gpu)).toEqual([regressionJob]);
    // Once a node that can run it is connected, the reason is gone.
    expect((await jobOf(bot, regressionJob)).progress.message).toBeUndefined();
    cpu.close();
    gpu.close();
  });
});
