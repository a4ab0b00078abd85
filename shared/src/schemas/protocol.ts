/**
 * @module
 * The GPU node protocol: JSON messages over one WebSocket, a tagged union on `type` that both ends
 * import. Every message either side receives is validated with these schemas; an invalid one is
 * answered with an `error` message, never a crash. See docs/protocol.md.
 */
import { z } from "zod";
import { idSchema, timestampSchema } from "./common";
import { filterPackageSchema, studentKindSchema, studentSettingsSchema } from "./filter";
import { jobKindSchema, jobProgressSchema, jobSpecSchema } from "./job";
import { predictionSchema } from "./prediction";

export const PROTOCOL_VERSION = 1;

/** Close codes the hub uses (4000-4999 is the application range). */
export const NODE_CLOSE_CODES = {
  unauthorized: 4001,
  /** The token the socket was opened with was revoked (also closes `/v1/events` sockets). */
  revoked: 4002,
  forbidden: 4003,
  protocolVersion: 4005,
  replaced: 4009,
  helloTimeout: 4008,
  /** The `hello`'s node id was registered by another token that is still active. */
  nodeIdTaken: 4010,
} as const;

/** Close code of a `/v1/events` socket whose token was revoked (the same as a node's). */
export const EVENTS_CLOSE_CODES = { revoked: NODE_CLOSE_CODES.revoked } as const;

/**
 * Header of `PUT /v1/models/{id}/artifact` naming the lease of the train job whose model it is: the
 * hub takes an artifact only from the node holding that lease.
 */
export const NODE_LEASE_HEADER = "x-distillery-lease-id";

export const gpuInfoSchema = z.object({
  name: z.string(),
  memory_gb: z.number().min(0),
  free_memory_gb: z.number().min(0).nullable(),
});

/** What `python -m distillery_gpu doctor` reports and the agent forwards. */
export const nodeCapabilitiesSchema = z.object({
  python: z.string().nullable(),
  torch: z.string().nullable(),
  cuda: z.boolean(),
  bf16: z.boolean(),
  flash_attention: z.boolean(),
  gpus: z.array(gpuInfoSchema),
  backends: z.object({
    unsloth: z.boolean(),
    peft: z.boolean(),
    bitsandbytes: z.boolean(),
    vllm: z.boolean(),
    sentence_transformers: z.boolean(),
  }),
  free_disk_gb: z.number().min(0).nullable(),
  job_kinds: z.array(jobKindSchema),
  /**
   * The student kinds this node's Python environment can train and run (`doctor`'s `student_kinds`): the
   * hub offers a job only to a node that can run its student. Absent: any kind (an older agent).
   */
  student_kinds: z.array(studentKindSchema).optional(),
});
export type NodeCapabilities = z.infer<typeof nodeCapabilitiesSchema>;

// Node → hub --------------------------------------------------------------------------------

export const helloMessageSchema = z.object({
  type: z.literal("hello"),
  protocol_version: z.number().int(),
  /** Stable across restarts of the same agent (kept in its work dir), so a job can resume there. */
  node_id: idSchema,
  name: z.string().min(1).max(100),
  agent_version: z.string(),
  capabilities: nodeCapabilitiesSchema,
  /** Jobs whose checkpoints this node holds, so the hub can send a job back where it can resume. */
  checkpoints: z.array(z.object({ job_id: idSchema, step: z.number().int().min(0) })).default([]),
});

export const nodeHeartbeatMessageSchema = z.object({
  type: z.literal("heartbeat"),
  job_id: idSchema.nullable(),
  free_memory_gb: z.number().min(0).nullable().optional(),
});

export const jobAcceptMessageSchema = z.object({
  type: z.literal("job.accept"),
  job_id: idSchema,
  lease_id: idSchema,
});
export const jobRejectMessageSchema = z.object({
  type: z.literal("job.reject"),
  job_id: idSchema,
  lease_id: idSchema,
  reason: z.string(),
});
export const jobProgressMessageSchema = z.object({
  type: z.literal("job.progress"),
  job_id: idSchema,
  lease_id: idSchema,
  progress: jobProgressSchema,
});
export const jobChunkMessageSchema = z.object({
  type: z.literal("job.chunk"),
  job_id: idSchema,
  lease_id: idSchema,
  shard: z.number().int().min(0).default(0),
  chunk_index: z.number().int().min(0),
  predictions: z.array(predictionSchema).min(1).max(10_000),
});
export const jobResultMessageSchema = z.object({
  type: z.literal("job.result"),
  job_id: idSchema,
  lease_id: idSchema,
  result: z.record(z.string(), z.unknown()),
});
export const jobFailedMessageSchema = z.object({
  type: z.literal("job.failed"),
  job_id: idSchema,
  lease_id: idSchema,
  code: z.string(),
  message: z.string(),
  /** A retryable failure is offered again; a permanent one fails the job. */
  retryable: z.boolean().default(false),
});

export const nodeMessageSchema = z.discriminatedUnion("type", [
  helloMessageSchema,
  nodeHeartbeatMessageSchema,
  jobAcceptMessageSchema,
  jobRejectMessageSchema,
  jobProgressMessageSchema,
  jobChunkMessageSchema,
  jobResultMessageSchema,
  jobFailedMessageSchema,
]);
export type NodeMessage = z.infer<typeof nodeMessageSchema>;

// Hub → node --------------------------------------------------------------------------------

export const welcomeMessageSchema = z.object({
  type: z.literal("welcome"),
  node_id: idSchema,
  heartbeat_interval_ms: z.number().int().min(100),
  lease_ms: z.number().int().min(100),
});
export const hubHeartbeatMessageSchema = z.object({ type: z.literal("heartbeat"), at: timestampSchema });
/** One NDJSON input a job reads, downloaded by the node over HTTP. */
export const jobInputSchema = z.object({
  /** A path on the edge (`/v1/...`) or an absolute URL. */
  url: z.string().min(1),
  /** Hash of what the URL serves, when the edge knows it: the node caches the download under it. */
  content_hash: z.string().min(1).nullable().default(null),
});
export type JobInput = z.infer<typeof jobInputSchema>;

/** What the hub resolved for a job so that the node needs nothing else to build the Python job file. */
export const jobOfferContextSchema = z.object({
  filter: filterPackageSchema.optional(),
  /** Train: the filter's student settings merged with the job's overrides. */
  student: studentSettingsSchema.optional(),
  /** Named inputs: `train` + `validation` (train), `test` + `train` (eval: the train split fits the lexical baseline), `input` (infer). */
  inputs: z.record(z.string(), jobInputSchema).default({}),
  /** Eval/infer: the model to load; the node downloads its artifact once and caches it by checksum. */
  model: z
    .object({
      id: idSchema,
      kind: studentKindSchema,
      artifact_url: z.string().min(1),
      artifact_sha256: z.string().nullable(),
    })
    .optional(),
  /** Train: the id the trained model will get; the node uploads its artifact to that model. */
  output_model_id: idSchema.optional(),
  /** Infer: predictions per chunk (the unit of upload and of acknowledgement). */
  chunk_size: z.number().int().min(1).max(10_000).optional(),
});
export type JobOfferContext = z.infer<typeof jobOfferContextSchema>;

export const jobOfferMessageSchema = z.object({
  type: z.literal("job.offer"),
  job_id: idSchema,
  lease_id: idSchema,
  kind: jobKindSchema,
  spec: jobSpecSchema,
  shard: z
    .object({ index: z.number().int().min(0), count: z.number().int().min(1) })
    .default({ index: 0, count: 1 }),
  /** Chunks already stored for this shard: the node skips them. */
  acknowledged_chunks: z.array(z.number().int().min(0)).default([]),
  lease_expires_at: timestampSchema,
  context: jobOfferContextSchema.default({ inputs: {} }),
});
export const jobCancelMessageSchema = z.object({
  type: z.literal("job.cancel"),
  job_id: idSchema,
  reason: z.string(),
});
export const chunkAckMessageSchema = z.object({
  type: z.literal("job.chunk.ack"),
  job_id: idSchema,
  shard: z.number().int().min(0),
  chunk_index: z.number().int().min(0),
  /** False when the chunk had already been stored (a duplicate upload). */
  stored: z.boolean(),
});
/** The hub stored (or had already stored) a job.result: the node may forget it. */
export const resultAckMessageSchema = z.object({
  type: z.literal("job.result.ack"),
  job_id: idSchema,
  lease_id: idSchema,
});
export const protocolErrorMessageSchema = z.object({
  type: z.literal("error"),
  code: z.string(),
  message: z.string(),
});

export const hubMessageSchema = z.discriminatedUnion("type", [
  welcomeMessageSchema,
  hubHeartbeatMessageSchema,
  jobOfferMessageSchema,
  jobCancelMessageSchema,
  chunkAckMessageSchema,
  resultAckMessageSchema,
  protocolErrorMessageSchema,
]);
export type HubMessage = z.infer<typeof hubMessageSchema>;

/** A connected node as `GET /v1/nodes` lists it. */
export const nodeInfoSchema = z.object({
  node_id: idSchema,
  name: z.string(),
  capabilities: nodeCapabilitiesSchema,
  current_job_id: idSchema.nullable(),
  connected_at: timestampSchema,
  last_heartbeat_at: timestampSchema,
});
export type NodeInfo = z.infer<typeof nodeInfoSchema>;
