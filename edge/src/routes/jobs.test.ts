import { env } from "cloudflare:test";
import { errorBodySchema, jobEventSchema, jobSchema, pageSchema } from "@distillery/shared";
import { beforeAll, describe, expect, it } from "vitest";
import { call, makeDataset, makeToken } from "../../test/helpers";
import { transitionJob } from "../jobs/index";

describe("/v1/jobs", () => {
  let trainSpec: { kind: "train"; dataset_id: string };
  beforeAll(async () => {
    trainSpec = { kind: "train", dataset_id: await makeDataset() };
  });

  it("creates a job that stays queued, and reads and lists it", async () => {
    const bot = await makeToken("bot");
    const created = await call("/v1/jobs", { token: bot, json: trainSpec });
    expect(created.status).toBe(201);
    const job = jobSchema.parse(await created.json());
    expect(job.state).toBe("queued");
    expect(job.created_by).toBe("bot:test-bot");

    const read = jobSchema.parse(await (await call(`/v1/jobs/${job.id}`, { token: bot })).json());
    expect(read.id).toBe(job.id);
    const list = pageSchema(jobSchema).parse(
      await (await call("/v1/jobs?kind=train&state=queued", { token: bot })).json(),
    );
    expect(list.items.map((j) => j.id)).toContain(job.id);
  });

  it("refuses an unknown field and a missing token with the common error body", async () => {
    const bot = await makeToken("bot");
    const bad = await call("/v1/jobs", { token: bot, json: { ...trainSpec, color: "red" } });
    expect(bad.status).toBe(400);
    const body = errorBodySchema.parse(await bad.json());
    expect(body.error.code).toBe("request.invalid");
    expect(body.error.details.length).toBeGreaterThan(0);

    const anonymous = await call("/v1/jobs", { json: trainSpec });
    expect(anonymous.status).toBe(401);
    expect(errorBodySchema.parse(await anonymous.json()).error.code).toBe("auth.missing_token");
  });

  it("checks roles: a submitter may not create a train job", async () => {
    const submitter = await makeToken("submitter");
    const response = await call("/v1/jobs", { token: submitter, json: trainSpec });
    expect(response.status).toBe(403);
    expect(errorBodySchema.parse(await response.json()).error.code).toBe("auth.forbidden");
  });

  it("cancels once; a second cancel is a 409 naming the state", async () => {
    const bot = await makeToken("bot");
    const job = jobSchema.parse(await (await call("/v1/jobs", { token: bot, json: trainSpec })).json());
    const cancelled = await call(`/v1/jobs/${job.id}/cancel`, { token: bot, method: "POST" });
    expect(jobSchema.parse(await cancelled.json()).state).toBe("cancelled");
    const again = await call(`/v1/jobs/${job.id}/cancel`, { token: bot, method: "POST" });
    expect(again.status).toBe(409);
    expect(errorBodySchema.parse(await again.json()).error.code).toBe("job.invalid_transition");
  });

  it("streams a snapshot then job.updated over /v1/events", async () => {
    const bot = await makeToken("bot");
    const job = jobSchema.parse(await (await call("/v1/jobs", { token: bot, json: trainSpec })).json());
    const response = await call(`/v1/events?job_id=${job.id}`, {
      token: bot,
      headers: { upgrade: "websocket" },
    });
    const socket = response.webSocket;
    if (!socket) throw new Error("expected a WebSocket");
    const events: unknown[] = [];
    const updated = new Promise<void>((resolve) => {
      socket.addEventListener("message", (event) => {
        events.push(jobEventSchema.parse(JSON.parse(String(event.data))));
        if (events.length === 2) resolve();
      });
    });
    socket.accept();
    await transitionJob(env, job.id, "running");
    await updated;
    expect(events[0]).toMatchObject({ type: "snapshot", jobs: [{ id: job.id, state: "queued" }] });
    expect(events[1]).toMatchObject({ type: "job.updated", job: { id: job.id, state: "running" } });
    const closed = new Promise((resolve) => socket.addEventListener("close", resolve));
    socket.close(1000, "done");
    await closed;
  });
});
