/**
 * `/label` waits for its dry run's estimate: a finished estimate is used, and a dry run that failed, was
 * cancelled or has not finished yet is an error saying which, never an estimate-less reply.
 */
import type { Job } from "@distillery/shared";
import { describe, expect, it } from "vitest";
import { selectionOf, settled } from "./label";

function job(state: Job["state"], overrides: Partial<Job> = {}): Job {
  return {
    id: "job_1",
    kind: "oracle",
    state,
    spec: { kind: "oracle", filter: "news", dry_run: true } as unknown as Job["spec"],
    progress: { done: 0, total: null },
    result: null,
    error: null,
    attempts: 0,
    lease: null,
    created_by: "bot:discord (discord:42)",
    notify: null,
    created_at: "2026-11-25T10:00:00.000Z",
    updated_at: "2026-11-25T10:00:00.000Z",
    started_at: null,
    finished_at: null,
    ...overrides,
  };
}

/** An edge whose `getJob` answers the given jobs in turn, then the last one forever. */
function edgeAnswering(...jobs: Job[]) {
  let calls = 0;
  return {
    getJob: async () => jobs[Math.min(calls++, jobs.length - 1)] as Job,
    calls: () => calls,
  };
}

describe("settled", () => {
  it("returns the dry run once it has succeeded", async () => {
    const edge = edgeAnswering(job("running"), job("succeeded", { result: { estimate: {} } }));
    const done = await settled(edge, job("queued"), { intervalMs: 0 });
    expect(done.state).toBe("succeeded");
    expect(edge.calls()).toBe(2);
  });

  it("says the estimate has not finished when the dry run is still running after the wait", async () => {
    const edge = edgeAnswering(job("running"));
    await expect(settled(edge, job("queued"), { attempts: 3, intervalMs: 0 })).rejects.toMatchObject({
      code: "bot.estimate_pending",
      message: expect.stringMatching(/job_1\) is still running .* it has not finished/),
    });
    expect(edge.calls()).toBe(3);
  });

  it("says the estimate was cancelled", async () => {
    const edge = edgeAnswering(job("cancelled"));
    await expect(settled(edge, job("queued"), { intervalMs: 0 })).rejects.toMatchObject({
      code: "bot.estimate_cancelled",
    });
  });

  it("passes on the dry run's own failure", async () => {
    const failed = job("failed", {
      error: { code: "filter.not_found", message: "no filter 'news'" } as Job["error"],
    });
    await expect(settled(edgeAnswering(failed), job("queued"), { intervalMs: 0 })).rejects.toMatchObject({
      code: "filter.not_found",
      message: "no filter 'news'",
    });
  });
});

describe("selectionOf", () => {
  it("picks the articles a model is least sure about, with a random fifth, for active labelling", () => {
    expect(selectionOf(300, null, null, "mdl_1")).toEqual({
      type: "uncertain",
      count: 300,
      model_id: "mdl_1",
      random_share: 0.2,
      seed: 42,
    });
  });

  it("samples or queries without a model", () => {
    expect(selectionOf(50, null, null)).toEqual({ type: "sample", count: 50, seed: 42 });
    expect(selectionOf(null, "reuters", "en")).toEqual({ type: "query", source: "reuters", language: "en" });
  });

  it("refuses a model without a count, or with a query, naming the option", () => {
    const cases: [number | null, string | null, string | null, string][] = [
      [null, null, null, "mdl_1"],
      [20, "reuters", null, "mdl_1"],
    ];
    for (const args of cases) {
      expect(() => selectionOf(...args)).toThrow(expect.objectContaining({ code: "bot.bad_option" }));
      try {
        selectionOf(...args);
      } catch (error) {
        expect((error as { details: { path: string }[] }).details[0]?.path).toBe("uncertain_model");
      }
    }
  });
});
