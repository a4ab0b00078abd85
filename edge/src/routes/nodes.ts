/**
 * @module
 * `/v1/nodes`: GPU nodes and what they read.
 * - `GET /v1/nodes/connect` — a node's WebSocket (token checked before the hub sees it; a refused node
 *   gets a socket closed with a code it can act on: `hub/connect.ts`).
 * - `GET /v1/nodes` — connected nodes, their capabilities, current job and last heartbeat.
 * - `GET /v1/nodes/jobs/{job}/shards/{shard}/input` — the NDJSON a scoring shard reads;
 *   `GET /v1/nodes/jobs/{job}/inputs/{split}` — the dataset split a train/eval job reads (`hub/inputs.ts`).
 */
import { jobIdSchema, nodeInfoSchema, parseOrThrow } from "@distillery/shared";
import { createRoute, z } from "@hono/zod-openapi";
import { requireRole } from "../auth/middleware";
import { connectNode } from "../hub/connect";
import { jobDatasetInput, jobShardInput } from "../hub/inputs";
import { nodeHub } from "../hub/nodes";
import { bearerSecurity, createRouter, errorResponses, jsonResponse } from "./openapi";

export const nodesRouter = createRouter();

const ndjson = { "content-type": "application/x-ndjson" };

nodesRouter.get("/nodes/connect", async (c) => connectNode(c.env, c.req.raw));

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

// Streamed NDJSON is not a JSON response, so these routes are plain ones (validated by hand).
nodesRouter.get("/nodes/jobs/:job_id/shards/:shard/input", requireRole("node"), async (c) => {
  const jobId = parseOrThrow(jobIdSchema, c.req.param("job_id"), "request.invalid", "path", "job_id");
  return new Response(await jobShardInput(c.env, jobId, c.req.param("shard")), { headers: ndjson });
});

nodesRouter.get("/nodes/jobs/:job_id/inputs/:split", requireRole("node"), async (c) => {
  const jobId = parseOrThrow(jobIdSchema, c.req.param("job_id"), "request.invalid", "path", "job_id");
  return new Response(await jobDatasetInput(c.env, jobId, c.req.param("split")), { headers: ndjson });
});
