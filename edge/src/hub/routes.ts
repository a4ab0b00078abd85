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
 * - `PUT`/`GET /v1/models/{id}/artifact` — a trained adapter (.tar.gz) in R2, sha256-checked. An upload
 *   is taken only from the node holding the lease of the train job that makes the model (header
 *   `x-distillery-lease-id`, the node's id bound to the caller's token), up to `ARTIFACT_MAX_BYTES`
 *   (default 2 GiB); a registered model's artifact never changes (409).
 */
import {
  DistilleryError,
  jobIdSchema,
  modelIdSchema,
  NODE_CLOSE_CODES,
  NODE_LEASE_HEADER,
  nodeInfoSchema,
  parseOrThrow,
  type SplitName,
} from "@distillery/shared";
import { createRoute, z } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { requireRole } from "../auth/middleware";
import { resolveToken } from "../auth/tokens";
import { edgeConfig } from "../config";
import { database } from "../db/client";
import { jobShards, studentModels } from "../db/schema";
import type { Env } from "../env";
import { getJob } from "../jobs/index";
import { datasetRowsKey } from "../oracle/datasets";
import { attachmentDisposition } from "../routes/attachment";
import { bearerSecurity, createRouter, errorResponses, jsonResponse } from "../routes/openapi";
import { loadModel, modelIdForTrainJob } from "./context";
import { artifactKey } from "./finalize";
import { shardInputStream } from "./inputs";
import { shardByLease } from "./leases";
import { TOKEN_ID_HEADER } from "./node-hub";
import { ownerOfNode } from "./nodes";

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
  let tokenId: string;
  try {
    ({ role, tokenId } = await resolveToken(database(c.env.DB), token));
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
  const headers = new Headers(c.req.raw.headers);
  headers.set(TOKEN_ID_HEADER, tokenId);
  return nodeHub(c.env).fetch(new Request("https://hub/connect", { headers }));
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
  const job = await getJob(
    c.env,
    parseOrThrow(jobIdSchema, c.req.param("job_id"), "request.invalid", "path", "job_id"),
  );
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
  const job = await getJob(
    c.env,
    parseOrThrow(jobIdSchema, c.req.param("job_id"), "request.invalid", "path", "job_id"),
  );
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
  const modelId = parseOrThrow(modelIdSchema, c.req.param("id"), "request.invalid", "path", "id");
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
  const maxBytes = edgeConfig(c.env).ARTIFACT_MAX_BYTES;
  const length = Number(c.req.header("content-length") ?? Number.NaN);
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new DistilleryError("artifact.length_required", "send the archive with a Content-Length header", {
      status: 411,
    });
  }
  if (length > maxBytes) {
    throw new DistilleryError(
      "artifact.too_large",
      `the archive is ${length} bytes; artifacts may be at most ${maxBytes} bytes (ARTIFACT_MAX_BYTES)`,
      { status: 413 },
    );
  }
  const leaseId = c.req.header(NODE_LEASE_HEADER);
  if (!leaseId) {
    throw new DistilleryError(
      "artifact.lease_required",
      `send the lease id of the train job's offer in ${NODE_LEASE_HEADER}`,
      { details: [{ path: NODE_LEASE_HEADER, issue: "missing" }] },
    );
  }
  const db = database(c.env.DB);
  const registered = await db
    .select({ sha256: studentModels.artifact_sha256 })
    .from(studentModels)
    .where(eq(studentModels.id, modelId))
    .get();
  if (registered?.sha256) {
    throw new DistilleryError(
      "artifact.exists",
      `model ${modelId} is registered with artifact ${registered.sha256}; a model's artifact never changes (train a new model)`,
      { status: 409 },
    );
  }
  const shard = await shardByLease(c.env, leaseId);
  const holds =
    shard?.state === "leased" &&
    shard.node_id !== null &&
    modelIdForTrainJob(shard.job_id) === modelId &&
    (await ownerOfNode(c.env, shard.node_id)) === c.get("auth").tokenId;
  if (!holds) {
    throw new DistilleryError(
      "artifact.lease_not_held",
      `lease ${leaseId} is not a live lease of the train job of model ${modelId} held by a node of this token`,
      { status: 403 },
    );
  }
  const key = artifactKey(modelId);
  const current = await c.env.BUCKET.head(key);
  if (current?.customMetadata?.lease_id === leaseId) {
    // Uploaded under this lease already: the same bytes again is a retry, other bytes are refused.
    if (current.customMetadata.sha256 === expected) {
      return c.json({ model_id: modelId, sha256: expected, bytes: current.size }, 200);
    }
    throw new DistilleryError(
      "artifact.exists",
      `model ${modelId} already has artifact ${current.customMetadata.sha256} from this lease`,
      { status: 409 },
    );
  }
  const digest = await storeVerified(c.env.BUCKET, key, c.req.raw.body, length, expected, leaseId);
  return c.json({ model_id: modelId, sha256: digest, bytes: length }, 201);
});

/**
 * Streams an upload of `length` bytes into R2 while hashing it, so an artifact is never held in memory
 * whole; deletes it again and throws `artifact.checksum` when its sha256 is not `expected`.
 */
async function storeVerified(
  bucket: R2Bucket,
  key: string,
  body: ReadableStream<Uint8Array> | null,
  length: number,
  expected: string,
  leaseId: string,
): Promise<string> {
  if (!body) throw new DistilleryError("request.empty", "the archive is empty");
  const [toStore, toHash] = body.tee();
  const hasher = new crypto.DigestStream("SHA-256");
  const hashed = toHash.pipeTo(hasher);
  const sized = new FixedLengthStream(length);
  const piped = toStore.pipeTo(sized.writable);
  await bucket.put(key, sized.readable, {
    httpMetadata: { contentType: "application/gzip" },
    customMetadata: { sha256: expected, lease_id: leaseId },
  });
  await Promise.all([hashed, piped]);
  const digest = [...new Uint8Array(await hasher.digest)]
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("");
  if (digest !== expected) {
    await bucket.delete(key);
    throw new DistilleryError(
      "artifact.checksum",
      `the body's sha256 is ${digest}, not ${expected}; upload it again`,
      { details: [{ path: "x-content-sha256", issue: "does not match the body" }] },
    );
  }
  return digest;
}

nodesRouter.get("/models/:id/artifact", requireRole("bot", "submitter", "node"), async (c) => {
  const modelId = parseOrThrow(modelIdSchema, c.req.param("id"), "request.invalid", "path", "id");
  const object = await c.env.BUCKET.get(artifactKey(modelId));
  if (!object)
    throw new DistilleryError("artifact.not_found", `model ${modelId} has no artifact`, { status: 404 });
  return new Response(object.body, {
    headers: {
      "content-type": "application/gzip",
      "content-length": String(object.size),
      "content-disposition": attachmentDisposition(`${modelId}.tar.gz`),
      "x-content-sha256": object.customMetadata?.sha256 ?? "",
    },
  });
});
