/**
 * @module
 * The worker's bindings, declared by hand so each one says what it is for. Keep this in step with
 * `wrangler.jsonc`: adding a binding there means adding its line here (see README.md).
 */
import type { BakeoffQueueMessage } from "./bakeoff/consumer";
import type { EventsHub } from "./events/hub";
import type { NodeHub } from "./hub/node-hub";
import type { OracleQueueMessage } from "./oracle/consumer";
import type { OracleLimiter } from "./oracle/limiter";
import type { JobsQueueMessage } from "./queue/messages";

export interface Env {
  /** D1: every row (articles, filters, labels, jobs, tokens, audit). Schema in src/db/schema.ts. */
  DB: D1Database;
  /** R2: large article bodies, import uploads and reports, model artifacts, exports. */
  BUCKET: R2Bucket;
  /** Queue `distillery-jobs`: background work of the edge itself (import chunks, ...). */
  JOBS: Queue<JobsQueueMessage>;
  /** Durable Object that fans job changes out to `/v1/events` WebSocket subscribers. */
  EVENTS: DurableObjectNamespace<EventsHub>;
  /** Durable Object GPU nodes connect to (one instance, `hub`): registry, leases, scheduling. */
  NODE_HUB: DurableObjectNamespace<NodeHub>;
  /** Node hub lease length in ms (default 30000); heartbeats and progress renew it. */
  HUB_LEASE_MS?: string;
  /** Heartbeat interval the hub asks nodes for, in ms (default a third of the lease). */
  HUB_HEARTBEAT_MS?: string;
  /** How often the hub looks for new jobs and expired leases while nodes are connected, in ms (default 2000). */
  HUB_POLL_MS?: string;
  /** Queue `distillery-oracle`: one message per article of an interactive oracle job. */
  /** Oracle calls: oracle jobs' articles and bake-off items. */
  ORACLE_QUEUE: Queue<OracleQueueMessage | BakeoffQueueMessage>;
  /** Durable Object (one instance per provider) that keeps all oracle consumers under that provider's quota. */
  ORACLE_LIMITER: DurableObjectNamespace<OracleLimiter>;
  /** Gemini API key (secret). Unset: the local Gemini stand-in answers and job results say so. */
  GEMINI_API_KEY?: string;
  /** Gemini API base URL (a stand-in in tests; default Google, or http://127.0.0.1:8820 without a key). */
  GEMINI_BASE_URL?: string;
  /** Key of the OpenAI-compatible endpoint (secret). Unset: the local OpenAI-compatible stand-in answers. */
  OPENAI_API_KEY?: string;
  /** Base URL of the OpenAI-compatible endpoint, with its version path (default the stand-in, http://127.0.0.1:8824/v1). */
  OPENAI_BASE_URL?: string;
  /** Requests per minute the oracle limiter allows across all consumers (default 150). */
  ORACLE_RPM?: string;
  /** Tokens per minute the oracle limiter allows (default 1000000). */
  ORACLE_TPM?: string;
  /** Requests per minute of the OpenAI-compatible endpoint's own limiter (default ORACLE_RPM). */
  OPENAI_RPM?: string;
  /** Tokens per minute of the OpenAI-compatible endpoint's own limiter (default ORACLE_TPM). */
  OPENAI_TPM?: string;
  /** Oracle spend per day that `/v1/oracle/spend` reports as the budget (default 50). */
  ORACLE_DAILY_BUDGET_USD?: string;
  /** Secret for signed export links; unset: a random key generated once and kept in R2. */
  EXPORT_SIGNING_KEY?: string;
  /** JSON price table overriding the published Gemini prices (USD per 1M tokens). */
  ORACLE_PRICES?: string;
  /** Largest JSON request body accepted, in bytes (string var). */
  MAX_JSON_BODY_BYTES?: string;
  /** Size of every import upload part but the last, in bytes (R2 needs >= 5 MiB in production). */
  IMPORT_PART_BYTES?: string;
  /** Bytes of an import file read per chunk by the import consumer. */
  IMPORT_CHUNK_BYTES?: string;
  /** Largest model artifact upload, in bytes (default 2 GiB). */
  ARTIFACT_MAX_BYTES?: string;
  /** Scheme and host that signed export links use; unset: the request's own host. */
  PUBLIC_URL?: string;
}

/** Hono generics used by every router: bindings plus what the auth middleware sets. */
export type AppEnv = {
  Bindings: Env;
  Variables: { auth: import("./auth/tokens").AuthContext };
};
