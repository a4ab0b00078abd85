/**
 * @module
 * The worker's bindings, declared by hand so each one says what it is for. Keep this in step with
 * `wrangler.jsonc`: adding a binding there means adding its line here (see README.md).
 */
import type { EventsHub } from "./events/hub";
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
  /** Largest JSON request body accepted, in bytes (string var). */
  MAX_JSON_BODY_BYTES?: string;
}

/** Hono generics used by every router: bindings plus what the auth middleware sets. */
export type AppEnv = {
  Bindings: Env;
  Variables: { auth: import("./auth/tokens").AuthContext };
};
