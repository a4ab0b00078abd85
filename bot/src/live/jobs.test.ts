/**
 * Live job messages against a real WebSocket server speaking the edge's `/v1/events` protocol: what the
 * bot edits when two snapshots of one job arrive in the other order than they were written.
 */
import type { AddressInfo } from "node:net";
import type { Job } from "@distillery/shared";
import { afterEach, describe, expect, it } from "vitest";
import { type WebSocket, WebSocketServer } from "ws";
import { LiveJobs, type MessageEdit } from "./jobs";

const notify = { channel_id: "c1", message_id: "m1" };

function trainJob(state: Job["state"], updatedAt: string, done: number): Job {
  return {
    id: "job_live",
    kind: "train",
    state,
    spec: { kind: "train", dataset_id: "ds_1" },
    progress: { done, total: 100 },
    result: null,
    error: null,
    attempts: 1,
    lease: null,
    created_by: "tok_bot",
    notify,
    created_at: "2026-11-30T10:00:00.000Z",
    updated_at: updatedAt,
    started_at: null,
    finished_at: null,
  } as Job;
}

let server: WebSocketServer | undefined;
let live: LiveJobs | undefined;

afterEach(async () => {
  await live?.stop();
  await new Promise((resolve) => server?.close(resolve));
});

describe("live job messages", () => {
  it("never lets an older snapshot of a job replace a newer one", async () => {
    const listening = new WebSocketServer({ port: 0, host: "127.0.0.1" });
    server = listening;
    await new Promise((resolve) => listening.once("listening", resolve));
    const sockets: WebSocket[] = [];
    server.on("connection", (socket) => sockets.push(socket));
    const edits: MessageEdit[] = [];
    live = new LiveJobs({
      edgeUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      token: "dst_bot",
      intervalMs: 0,
      log: () => {},
      editMessage: async (_channel, _message, edit) => {
        edits.push(edit);
      },
    });
    live.start();
    await live.whenConnected();
    const send = (job: Job) => sockets[0]!.send(JSON.stringify({ type: "job.updated", job }));
    // Written: progress (queued, 30%) at .001, then the accept (running) at .002; published reversed.
    send(trainJob("running", "2026-11-30T10:00:00.002Z", 30));
    await expect.poll(() => edits.length).toBe(1);
    send(trainJob("queued", "2026-11-30T10:00:00.001Z", 30));
    await new Promise((resolve) => setTimeout(resolve, 200));
    send(trainJob("running", "2026-11-30T10:00:00.003Z", 60));
    await expect.poll(() => edits.length).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const descriptions = edits.map((edit) => edit.embeds[0]?.description ?? "");
    expect(descriptions).toHaveLength(2);
    for (const description of descriptions) expect(description).toContain("**running**");
  });
});
