/**
 * @module
 * The worker entry: wires the HTTP app, the queue consumer and the cron handler, and exports the
 * Durable Object classes named in wrangler.jsonc.
 */
import { createApp } from "./app";
import type { Env } from "./env";
import "./kinds";
import { queue } from "./queue/index";
import { scheduled } from "./scheduled";

export { EventsHub } from "./events/hub";
export { NodeHub } from "./hub/node-hub";
export { OracleLimiter } from "./oracle/limiter";

const app = createApp();

export default {
  fetch: app.fetch,
  queue,
  scheduled,
} satisfies ExportedHandler<Env>;
