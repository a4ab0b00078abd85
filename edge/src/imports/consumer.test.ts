/**
 * Import jobs under faults, inside workerd with the real queue, D1 and R2: a job whose queue message
 * was lost is re-driven by the minute task, and a chunk that keeps failing fails the job with its
 * reason instead of leaving it `running`.
 */
import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  env,
  getQueueResult,
} from "cloudflare:test";
import { importResultSchema, type Job, uploadSchema } from "@distillery/shared";
import { describe, expect, it } from "vitest";
import { call, makeToken } from "../../test/helpers";
import { newId } from "../db/client";
import { getJob } from "../jobs/index";
import { JOBS_QUEUE_MAX_RETRIES, queue } from "../queue/index";
import { scheduled } from "../scheduled";

function ndjson(count: number, tag: string): string {
  const lines: string[] = [];
  for (let i = 1; i <= count; i++) {
    lines.push(
      JSON.stringify({
        url: `https://${tag}.example/${i}`,
        title: `Imported ${i}`,
        body: `Body of imported article ${i}. `.repeat(40),
        language: "en",
        source: tag,
      }),
    );
  }
  return `${lines.join("\n")}\n`;
}

/** A complete upload holding `text`; returns its id. */
async function completeUpload(token: string, text: string): Promise<string> {
  const created = uploadSchema.parse(
    await (await call("/v1/imports", { token, json: { filename: "a.ndjson" } })).json(),
  );
  const put = await call(`/v1/imports/${created.id}/parts/1`, {
    token,
    method: "PUT",
    body: new TextEncoder().encode(text),
    headers: { "content-type": "application/octet-stream" },
  });
  expect(put.status).toBe(200);
  expect((await call(`/v1/imports/${created.id}/complete`, { token, method: "POST" })).status).toBe(200);
  return created.id;
}

/** An import job as `createJob` leaves it, but whose first queue message never arrived. */
async function importJobWithoutMessage(uploadId: string, minutesAgo: number): Promise<string> {
  const id = newId("job");
  const at = new Date(Date.now() - minutesAgo * 60_000).toISOString();
  await env.DB.prepare(
    `INSERT INTO jobs (id, kind, state, spec, progress, attempts, created_by, created_at, updated_at)
     VALUES (?1, 'import', 'queued', ?2, '{"done":0,"total":null}', 0, 'test', ?3, ?3)`,
  )
    .bind(id, JSON.stringify({ kind: "import", upload_id: uploadId }), at)
    .run();
  return id;
}

async function until(id: string, states: string[]): Promise<Job> {
  for (let i = 0; i < 200; i++) {
    const job = await getJob(env, id);
    if (states.includes(job.state)) return job;
    await scheduler.wait(50);
  }
  throw new Error(`job ${id} never reached ${states.join("/")}; it is ${(await getJob(env, id)).state}`);
}

describe("import jobs under faults", () => {
  it("re-drives a job whose queue message was lost, from the minute task", async () => {
    const token = await makeToken("submitter");
    const uploadId = await completeUpload(token, ndjson(30, "redrive"));
    const fresh = await importJobWithoutMessage(uploadId, 0);
    const stalled = await importJobWithoutMessage(uploadId, 3);
    await scheduled(createScheduledController(), env, createExecutionContext());
    const done = await until(stalled, ["succeeded", "failed"]);
    expect(done.state).toBe("succeeded");
    expect(importResultSchema.parse(done.result)).toMatchObject({ lines: 30, rejected: 0 });
    // A job that has not been quiet for long is left alone: its message may still be on the way.
    expect((await getJob(env, fresh)).state).toBe("queued");
  });

  it("fails the job with the reason when a chunk has used up its retries", async () => {
    const token = await makeToken("submitter");
    const uploadId = await completeUpload(token, ndjson(5, "exhausted"));
    const jobId = await importJobWithoutMessage(uploadId, 0);
    // R2 answers `head` but every read of the object fails.
    const failingBucket = new Proxy(env.BUCKET, {
      get(target, property) {
        if (property === "get")
          return async () => Promise.reject(new Error("R2 read failed: internal error"));
        const value = Reflect.get(target, property);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const failingEnv = { ...env, BUCKET: failingBucket };
    const body = {
      type: "import.chunk",
      job_id: jobId,
      upload_id: uploadId,
      offset: 0,
      line: 1,
      totals: { lines: 0, created: 0, existing: 0, rejected: 0 },
    };
    const deliver = async (attempts: number) => {
      const batch = createMessageBatch("distillery-jobs", [
        { id: `msg-${attempts}`, timestamp: Date.now(), attempts, body },
      ]);
      const ctx = createExecutionContext();
      await queue(batch, failingEnv, ctx);
      return getQueueResult(batch, ctx);
    };

    const early = await deliver(1);
    expect(early.retryMessages.map((m) => m.msgId)).toEqual(["msg-1"]);
    expect((await getJob(env, jobId)).state).toBe("running");

    const last = await deliver(JOBS_QUEUE_MAX_RETRIES + 1);
    expect(last.retryMessages).toEqual([]);
    expect(last.explicitAcks).toEqual([`msg-${JOBS_QUEUE_MAX_RETRIES + 1}`]);
    const failed = await getJob(env, jobId);
    expect(failed.state).toBe("failed");
    expect(failed.error?.code).toBe("queue.retries_exhausted");
    expect(failed.error?.message).toContain("R2 read failed: internal error");
    expect(failed.error?.message).toContain(`${JOBS_QUEUE_MAX_RETRIES + 1} attempts`);
  });
});
