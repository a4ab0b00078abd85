/**
 * @module
 * `GET /v1/events`: upgrades to a WebSocket served by the `EVENTS` Durable Object, which sends a
 * `snapshot` of the requested jobs (`?job_id=` repeated, or every unfinished job) and then a
 * `job.updated` event on every change. Not part of the OpenAPI document (OpenAPI has no WebSockets);
 * the message shapes are `jobEventSchema` in `@distillery/shared`. The socket is tied to the token that
 * opened it: revoking that token closes it with 4002.
 */
import { DistilleryError, idSchema } from "@distillery/shared";
import { requireRole } from "../auth/middleware";
import { TOKEN_ID_HEADER } from "../events/hub";
import { createRouter } from "./openapi";

export const eventsRouter = createRouter();

eventsRouter.get("/events", requireRole("bot", "submitter", "node"), async (c) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new DistilleryError("events.websocket_required", "connect with a WebSocket (Upgrade: websocket)", {
      status: 426,
    });
  }
  const url = new URL(c.req.url);
  for (const [key, value] of url.searchParams) {
    if (key !== "job_id") {
      throw new DistilleryError("request.invalid", `unknown query parameter '${key}'`, {
        details: [{ path: key, issue: "only job_id is accepted" }],
      });
    }
    if (!idSchema.safeParse(value).success) {
      throw new DistilleryError("request.invalid", "job_id must be a job id", {
        details: [{ path: "job_id", issue: "invalid id" }],
      });
    }
  }
  const hub = c.env.EVENTS.get(c.env.EVENTS.idFromName("events"));
  const headers = new Headers(c.req.raw.headers);
  headers.set(TOKEN_ID_HEADER, c.get("auth").tokenId);
  return hub.fetch(new Request(`https://events/subscribe${url.search}`, { headers }));
});
