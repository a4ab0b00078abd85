/**
 * @module
 * HTTP side of the node hub:
 * - `GET /v1/nodes/connect` — a node's WebSocket. The token is checked before the hub sees the socket;
 *   a refused node still gets a WebSocket, closed at once with a close code it can act on (4001 bad or
 *   missing token, 4003 not a node token), since a plain HTTP 401 reaches WebSocket clients as an
 *   opaque handshake failure.
 * - `GET /v1/nodes` — connected nodes, their capabilities, current job and last heartbeat.
 * - `GET /v1/nodes/jobs/{job}/shards/{shard}/input` — the NDJSON a scoring shard reads;
 *   `GET /v1/nodes/jobs/{job}/inputs/{split}` — the dataset split a train/eval job reads.
 * - `PUT`/`GET /v1/models/{id}/artifact` — a trained adapter (.tar.gz) in R2, sha256-checked.
 */
import { DistilleryError, NODE_CLOSE_CODES, nodeInfoSchema, type SplitName } from "@distillery/shared";
import { createRoute, z } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { requireRole } from "../auth/middleware";
import { resolveToken } from "../auth/tokens";
import { database } from "../db/client";
import { jobShards, studentModels } from "../db/schema";
import type { Env } from "../env";
import { getJob } from "../jobs/index";
import { datasetRowsKey } from "../oracle/datasets";
import { bearerSecurity, createRouter, errorResponses, jsonResponse } from "../routes/openapi";
import { loadModel } from "./context";
import { artifactKey } from "./finalize";
import { shardInputStream } from "./inputs";

export const nodesRouter = createRouter();

export function nodeHub(env: Env) {
  return env.NODE_HUB.get(env.NODE_HUB.idFromName("hub"));
}

/** Accepts the socket only to close it with `code`, so the agent learns why it was refused. */
function refuse(code: number, reason: string): Response {
  const pair = new WebSocketPair();
  pair[1].accept();
  pair[1].close(code, reason);
  return new Response(null, { status: 101, webSocket: pair[0] });
}

nodesRouter.get("/nodes/connect", async (c) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new DistilleryError("nodes.websocket_required", "connect with a WebSocket (Upgrade: websocket)", {
      status: 426,
    });
  }
  const token = /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "")?.[1];
  if (!token) return refuse(NODE_CLOSE_CODES.unauthorized, "send 'Authorization: Bearer <node token>'");
  let role: string;
  try {
    role = (await resolveToken(database(c.env.DB), token)).role;
  } catch (error) {
    if ((error as DistilleryError).code !== "auth.invalid_token") throw error;
    return refuse(NODE_CLOSE_CODES.unauthorized, "the node token is unknown or revoked");
  }
  if (role !== "node" && role !== "admin") {
    return refuse(
      NODE_CLOSE_CODES.forbidden,
      `a '${role}' token cannot connect a node; create a 'node' token`,
    );
  }
  return nodeHub(c.env).fetch(new Request("https://hub/connect", { headers: c.req.raw.headers }));
});

nodesRouter.openapi(
  createRoute({
    method: "get",
    path: "/nodes",
    tags: ["nodes"],
    summary: "Connected GPU nodes with their capabilities, current job and last heartbeat",
    security: bearerSecurity,
    middleware: [requireRole("bot", "submitter", "node")] as const,
    responses: {
      200: jsonResponse(z.object({ items: z.array(nodeInfoSchema) }), "Connected nodes"),
      ...errorResponses,
    },
  }),
  async (c) => c.json({ items: await nodeHub(c.env).listNodes() }, 200),
);

nodesRouter.get("/nodes/jobs/:job_id/shards/:shard/input", requireRole("node"), async (c) => {
  const job = await getJob(c.env, c.req.param("job_id"));
  if (job.spec.kind !== "infer") {
    throw new DistilleryError(
      "job.not_infer",
      `job ${job.id} is a ${job.spec.kind} job; only scoring jobs have shard inputs`,
    );
  }
  const shard = await database(c.env.DB)
    .select()
    .from(jobShards)
    .where(and(eq(jobShards.job_id, job.id), eq(jobShards.shard, Number(c.req.param("shard")))))
    .get();
  if (!shard)
    throw new DistilleryError("shard.not_found", `job ${job.id} has no shard ${c.req.param("shard")}`, {
      status: 404,
    });
  return new Response(shardInputStream(c.env, job.spec.selection, shard), {
    headers: { "content-type": "application/x-ndjson" },
  });
});

nodesRouter.get("/nodes/jobs/:job_id/inputs/:split", requireRole("node"), async (c) => {
  const job = await getJob(c.env, c.req.param("job_id"));
  const split = c.req.param("split");
  const allowed: Record<string, string[]> = { train: ["train", "validation"], eval: ["test", "train"] };
  if (!allowed[job.spec.kind]?.includes(split)) {
    throw new DistilleryError("job.input_unknown", `a ${job.spec.kind} job has no input '${split}'`, {
      status: 404,
    });
  }
  const spec = job.spec;
  const datasetId =
    spec.kind === "train"
      ? spec.dataset_id
      : spec.kind === "eval"
        ? (spec.dataset_id ?? (await loadModel(c.env, spec.model_id)).dataset_id)
        : "";
  const object = await c.env.BUCKET.get(datasetRowsKey(datasetId, split as SplitName));
  if (!object)
    throw new DistilleryError("dataset.no_rows", `dataset ${datasetId} has no ${split} rows`, {
      status: 404,
    });
  return new Response(object.body, { headers: { "content-type": "application/x-ndjson" } });
});

nodesRouter.put("/models/:id/artifact", requireRole("node"), async (c) => {
  const modelId = c.req.param("id");
  const expected = c.req.header("x-content-sha256")?.toLowerCase();
  if (!expected || !/^[0-9a-f]{64}$/.test(expected)) {
    throw new DistilleryError(
      "artifact.checksum_missing",
      "send the archive's sha256 (hex) in x-content-sha256",
      {
        details: [{ path: "x-content-sha256", issue: "missing or not 64 hex digits" }],
      },
    );
  }
  const bytes = await c.req.arrayBuffer();
  const digest = [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))]
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("");
  if (digest !== expected) {
    throw new DistilleryError(
      "artifact.checksum",
      `the body's sha256 is ${digest}, not ${expected}; upload it again`,
      {
        details: [{ path: "x-content-sha256", issue: "does not match the body" }],
      },
    );
  }
  const key = artifactKey(modelId);
  await c.env.BUCKET.put(key, bytes, {
    sha256: digest,
    httpMetadata: { contentType: "application/gzip" },
    customMetadata: { sha256: digest },
  });
  // A model registered earlier (an artifact uploaded again) points at the new bytes.
  await database(c.env.DB)
    .update(studentModels)
    .set({ artifact_key: key, artifact_sha256: digest, artifact_bytes: bytes.byteLength })
    .where(eq(studentModels.id, modelId))
    .run();
  return c.json({ model_id: modelId, sha256: digest, bytes: bytes.byteLength }, 201);
});

nodesRouter.get("/models/:id/artifact", requireRole("bot", "submitter", "node"), async (c) => {
  const modelId = c.req.param("id");
  const object = await c.env.BUCKET.get(artifactKey(modelId));
  if (!object)
    throw new DistilleryError("artifact.not_found", `model ${modelId} has no artifact`, { status: 404 });
  return new Response(object.body, {
    headers: {
      "content-type": "application/gzip",
      "content-length": String(object.size),
      "content-disposition": `attachment; filename="${modelId}.tar.gz"`,
      "x-content-sha256": object.customMetadata?.sha256 ?? "",
    },
  });
});
