import type { Job } from "@distillery/shared";
import { describe, expect, it } from "vitest";
import { jobEmbed, jobLine, STATE_COLORS } from "./job";

function job(overrides: Partial<Job> = {}): Job {
  return {
    id: "job_1",
    kind: "train",
    state: "queued",
    spec: { kind: "train", dataset_id: "ds_1", student: {}, early_stopping_patience: null },
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

const field = (embed: ReturnType<typeof jobEmbed>, name: string) =>
  embed.fields?.find((f) => f.name === name)?.value;

describe("jobEmbed", () => {
  it("shows a queued job without a progress bar", () => {
    const embed = jobEmbed(job());
    expect(embed.description).toContain("**queued**");
    expect(embed.color).toBe(STATE_COLORS.queued);
    expect(field(embed, "Progress")).toBeUndefined();
  });

  it("shows progress, step, loss and ETA while running", () => {
    const embed = jobEmbed(
      job({ state: "running", progress: { done: 150, total: 600, step: 150, loss: 0.83125, eta_s: 185 } }),
    );
    expect(field(embed, "Progress")).toContain("25%");
    expect(field(embed, "Step")).toBe("150");
    expect(field(embed, "Loss")).toBe("0.8313");
    expect(field(embed, "ETA")).toBe("3m 05s");
    expect(embed.color).toBe(STATE_COLORS.running);
  });

  it("shows a training job's step time and MFU, and says when the MFU is unknown", () => {
    const progress = { done: 10, total: 50, step: 10, step_time_s: 0.4321, mfu: 0.4567 };
    const embed = jobEmbed(job({ state: "running", progress }));
    expect(field(embed, "Step time")).toBe("432 ms");
    expect(field(embed, "MFU")).toBe("45.7%");
    expect(field(jobEmbed(job({ state: "running", progress: { ...progress, mfu: null } })), "MFU")).toBe(
      "n/a",
    );
  });

  it("gives the reason when a job fails", () => {
    const embed = jobEmbed(
      job({ state: "failed", error: { code: "node.oom", message: "CUDA out of memory" } }),
    );
    expect(field(embed, "Reason")).toBe("`node.oom`: CUDA out of memory");
    expect(embed.color).toBe(STATE_COLORS.failed);
  });

  it("lists the articles per tier when a scoring job succeeds", () => {
    const embed = jobEmbed(
      job({
        kind: "infer",
        state: "succeeded",
        spec: { kind: "infer", model_id: "m_1", selection: { type: "all" }, shards: 1 },
        result: {
          predictions: 5373,
          chunks: 6,
          shards: 1,
          tier_counts: { high: 12, medium: 340, low: 5021 },
        },
        started_at: "2026-11-25T10:00:00.000Z",
        finished_at: "2026-11-25T10:02:07.000Z",
      }),
    );
    expect(field(embed, "Articles per tier")).toBe("**high**: 12\n**medium**: 340\n**low**: 5,021");
    expect(field(embed, "Took")).toBe("2m 07s");
    expect(field(embed, "Cascade")).toBeUndefined();
  });

  it("says how many doubtful articles a cascade sent to the oracle and how many it replaced", () => {
    const cascade = {
      coverage: 0.9,
      state: "done",
      doubtful: 40,
      without_interval: 0,
      oracle_job_id: "job_o1",
      replaced: 31,
      not_replaced: { budget_cap: 9 },
    };
    const embed = jobEmbed(
      job({
        kind: "infer",
        state: "succeeded",
        spec: { kind: "infer", model_id: "m_1", selection: { type: "all" }, shards: 1 },
        result: {
          predictions: 5373,
          chunks: 6,
          shards: 1,
          tier_counts: { high: 12, medium: 340, low: 5021 },
          cascade,
        },
      }),
    );
    expect(field(embed, "Cascade")).toBe(
      "40 doubtful sent to the oracle, 31 replaced; kept the student's answer: `budget_cap` 9",
    );
  });
});

describe("typed results", () => {
  const trainResult = {
    kind: "probe",
    base_model: "packaged:multilingual-e5-small",
    backend: "onnxruntime-int8",
    device: "cpu",
    artifact_bytes: 1234,
    training_curve: null,
    validation: {
      method: "5-fold cross-fitting over train+validation",
      n: 480,
      dimension_mae: 0.71,
      per_dimension: { deployment: 0.7 },
      lexical_dimension_mae: 0.83,
      category_accuracy: { content_type: 0.9 },
    },
    calibration: null,
    missing: { training_curve: "closed-form fit" },
    details: {},
    model_id: "mdl_1",
    artifact_sha256: "abc",
  };

  it("shows a trained student's base model, backend and out-of-fold figures against the lexical model", () => {
    const embed = jobEmbed(job({ state: "succeeded", result: trainResult }));
    expect(field(embed, "Model")).toBe("`mdl_1`");
    expect(field(embed, "Student")).toBe("probe on `packaged:multilingual-e5-small` (onnxruntime-int8, cpu)");
    expect(field(embed, "Out-of-fold validation")).toBe(
      "dimension MAE 0.71 (lexical 0.83) on 480 articles; categories content_type 90.0%",
    );
    expect(field(embed, "Result")).toBeUndefined();
  });

  it("says so when a finished job's result does not match its kind's schema, instead of guessing", () => {
    const { base_model: _dropped, ...withoutBase } = trainResult;
    const embed = jobEmbed(job({ state: "succeeded", result: { ...withoutBase, encoder: "e5" } }));
    expect(field(embed, "Result")).toMatch(/does not match the train result schema \(base_model: /);
    expect(field(embed, "Student")).toBeUndefined();
    const infer = jobEmbed(
      job({
        kind: "infer",
        state: "succeeded",
        spec: { kind: "infer", model_id: "m_1", selection: { type: "all" }, shards: 1 },
        result: { tiers: { high: 1 } },
      }),
    );
    expect(field(infer, "Result")).toMatch(/infer result schema/);
    expect(field(infer, "Articles per tier")).toBeUndefined();
  });

  it("shows an evaluation's headline figures and verdict", () => {
    const metrics = {
      accuracy: 0.9,
      tier_agreement: 0.87,
      overall_mae: 0.46,
      dimension_mae: 0.73,
      overall_spearman: 0.95,
      per_dimension: {},
      n: 200,
    };
    const embed = jobEmbed(
      job({
        kind: "eval",
        state: "succeeded",
        spec: { kind: "eval", model_id: "mdl_1" },
        result: {
          model_id: "mdl_1",
          report_key: "reports/job_1.json",
          n_test: 200,
          metrics,
          verdict: ["The student clearly beats the lexical baseline (dimension MAE 0.73 vs 0.9)."],
        },
      }),
    );
    expect(field(embed, "Test split (200 articles)")).toBe(
      "accuracy 90.0% · tier agreement 87.0% · overall MAE 0.46 · dimension MAE 0.73",
    );
    expect(field(embed, "Verdict")).toContain("clearly beats the lexical baseline");
  });
});

describe("oracle jobs", () => {
  it("end with labelled, failures by reason, prefilter blocks and spend", () => {
    const estimate = {
      selected: 10,
      already_labelled: 0,
      to_label: 8,
      input_tokens: 1,
      cached_tokens: 0,
      output_tokens: 1,
      usd: 0.01,
      minutes: 1,
      model: "gemini-2.5-flash",
      mode: "interactive",
      prompt_hash: "h",
    };
    const embed = jobEmbed(
      job({
        kind: "oracle",
        state: "succeeded",
        spec: {
          kind: "oracle",
          filter: "energy",
          selection: { type: "sample", count: 10, seed: 42 },
          mode: "interactive",
          budget_usd: 2,
          dry_run: false,
        },
        result: {
          estimate,
          budget_usd: 2,
          spent_usd: 0.0123,
          labelled: 6,
          skipped: 2,
          failed: 2,
          failed_by_reason: { "oracle.invalid_json": 2 },
          blocked_by_prefilter: 2,
          pending: 0,
        },
      }),
    );
    expect(field(embed, "Labelled")).toBe("6");
    expect(field(embed, "Failed")).toBe("2: `oracle.invalid_json` 2");
    expect(field(embed, "Blocked by prefilter")).toBe("2");
    expect(field(embed, "Spent")).toBe("$0.01 of $2.00");
  });
});

describe("jobLine", () => {
  it("puts a bar and the ETA on running jobs only", () => {
    expect(jobLine(job({ state: "running", progress: { done: 1, total: 2, eta_s: 60 } }))).toMatch(
      /`job_1` Training — running `█+░+ 50%` · ETA 1m 00s/,
    );
    expect(jobLine(job())).toBe("⏳ `job_1` Training — queued");
  });

  it("says why a queued job waits", () => {
    const message = "waiting: no connected node can train `regression` students: start a GPU node";
    const waiting = job({ progress: { done: 0, total: null, message } });
    expect(jobLine(waiting)).toBe(`⏳ \`job_1\` Training — queued · ${message}`);
    expect(field(jobEmbed(waiting), "Waiting")).toBe(message);
  });
});
