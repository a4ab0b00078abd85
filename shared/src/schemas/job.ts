/**
 * @module
 * Jobs: long work with a state, progress and a result. The API creates them from a `jobSpecSchema`
 * (one variant per kind); GPU nodes lease train/eval/infer jobs; the Python package receives a
 * `pythonJobFileSchema` document (exported as JSON Schema) naming local files only.
 */
import { z } from "zod";
import { bakeoffJobSpecSchema } from "../oracle/bakeoff";
import { oracleProviderSchema, thinkingSchema } from "../oracle/models";
import { idSchema, slugSchema, timestampSchema } from "./common";
import {
  filterPackageSchema,
  hyperparametersSchema,
  studentKindSchema,
  studentSettingsSchema,
} from "./filter";

export const jobKindSchema = z.enum(["import", "oracle", "train", "eval", "infer", "bakeoff"]);
export type JobKind = z.infer<typeof jobKindSchema>;

/**
 * `queued` → `running` → `succeeded` | `failed` | `cancelled`; `paused` when an oracle job reaches its
 * budget cap (raising the cap resumes it).
 */
export const jobStateSchema = z.enum(["queued", "running", "paused", "succeeded", "failed", "cancelled"]);
export type JobState = z.infer<typeof jobStateSchema>;
export const TERMINAL_JOB_STATES: readonly JobState[] = ["succeeded", "failed", "cancelled"];

/** Which articles a job works on. */
export const articleSelectionSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("ids"), ids: z.array(idSchema).min(1).max(100_000) }),
  z.strictObject({
    type: z.literal("query"),
    source: z.string().optional(),
    language: z.string().optional(),
    since: timestampSchema.optional(),
    until: timestampSchema.optional(),
    limit: z.number().int().min(1).max(10_000_000).optional(),
  }),
  z.strictObject({
    /** N articles that pass the filter's prefilter, stratified by source and language. */
    type: z.literal("sample"),
    count: z.number().int().min(1).max(1_000_000),
    seed: z.number().int().default(42),
  }),
  z.strictObject({ type: z.literal("all") }),
]);
export type ArticleSelection = z.infer<typeof articleSelectionSchema>;

/**
 * Active labelling: `count` articles, most of them where the student `model_id` is least sure (its
 * interval crosses a tier boundary, then the widest), `random_share` of them at random (seeded) so the
 * labels stay representative; never two near-duplicate texts. Oracle jobs only: scoring jobs have no
 * student to ask yet.
 */
export const uncertainSelectionSchema = z.strictObject({
  type: z.literal("uncertain"),
  count: z.number().int().min(1).max(20_000),
  model_id: idSchema,
  random_share: z.number().min(0).max(1).default(0.2),
  seed: z.number().int().default(42),
});
export type UncertainSelection = z.infer<typeof uncertainSelectionSchema>;

/**
 * The random sample a drift audit drew of recently scored articles (the edge creates these jobs): its
 * labels are recorded as `audit`, kept out of training test splits like any non-random label.
 */
export const auditSelectionSchema = z.strictObject({
  type: z.literal("audit"),
  ids: z.array(idSchema).min(1).max(10_000),
});

/** What an oracle job may label: any article selection, the articles a student doubts, an audit's sample. */
export const oracleSelectionSchema = z.discriminatedUnion("type", [
  ...articleSelectionSchema.options,
  uncertainSelectionSchema,
  auditSelectionSchema,
]);
export type OracleSelection = z.infer<typeof oracleSelectionSchema>;

const filterRefShape = { filter: slugSchema, filter_version: z.number().int().min(1).optional() };

/** How an oracle job calls Gemini: one request per article, or the batch API (cheaper, slower). */
export const oracleJobModeSchema = z.enum(["interactive", "batch"]);
export type OracleJobMode = z.infer<typeof oracleJobModeSchema>;

export const oracleJobSpecSchema = z.strictObject({
  kind: z.literal("oracle"),
  ...filterRefShape,
  selection: oracleSelectionSchema,
  mode: oracleJobModeSchema.default("interactive"),
  budget_usd: z.number().gt(0),
  /** Overrides the filter's oracle provider for this job (then `model` is required). */
  provider: oracleProviderSchema.optional(),
  /** Overrides the filter's oracle model for this job (e.g. a Pro model for calibration). */
  model: z.string().min(1).optional(),
  /** Overrides the thinking setting; unset with another model: that model's cheapest setting. */
  thinking: thinkingSchema.optional(),
  /** Re-run only the articles that failed in this earlier oracle job. */
  retry_failed_of: idSchema.optional(),
  dry_run: z.boolean().default(false),
});

export const trainJobSpecSchema = z.strictObject({
  kind: z.literal("train"),
  dataset_id: idSchema,
  student: z
    .strictObject({
      kind: studentKindSchema.optional(),
      base_model: z.string().min(1).optional(),
      encoder: z.string().min(1).optional(),
      hyperparameters: hyperparametersSchema.partial().optional(),
    })
    .default({}),
  early_stopping_patience: z.number().int().min(1).nullable().default(null),
});

export const evalJobSpecSchema = z.strictObject({
  kind: z.literal("eval"),
  model_id: idSchema,
  /** Defaults to the dataset the model was trained on (its test split). */
  dataset_id: idSchema.optional(),
});

export const cascadeSettingsSchema = z.strictObject({
  coverage: z.number().gt(0).lt(1).default(0.9),
  budget_usd: z.number().gt(0),
});

/**
 * What a cascade scoring job's result carries under `cascade`: how many predictions were doubtful (their
 * interval crosses a tier boundary), the oracle job that was asked for them, and how many of them the
 * oracle's answer replaced. `state` is `waiting` while the oracle job runs, `done` once replaced.
 */
export const cascadeSummarySchema = z.object({
  coverage: z.number().gt(0).lt(1),
  state: z.enum(["waiting", "done"]),
  doubtful: z.number().int().min(0),
  /** Predictions without a conformal interval (a model without calibration): never doubtful. */
  without_interval: z.number().int().min(0),
  oracle_job_id: idSchema.nullable(),
  replaced: z.number().int().min(0),
  /** Doubtful predictions that kept the student's answer, by why (`budget_cap`, a failure code, a skip reason). */
  not_replaced: z.record(z.string(), z.number().int().min(0)).default({}),
  /** One line for people: what happened, and why some were not replaced. */
  note: z.string().optional(),
});
export type CascadeSummary = z.infer<typeof cascadeSummarySchema>;

/** A stored scoring job: the model is always named (resolved from the filter at creation if asked). */
export const inferJobSpecSchema = z.strictObject({
  kind: z.literal("infer"),
  model_id: idSchema,
  /** The filter whose promoted model was asked for; `model_id` records which model that was. */
  filter: slugSchema.optional(),
  selection: articleSelectionSchema.default({ type: "all" }),
  /** Number of shards several nodes may work on at once. */
  shards: z.number().int().min(1).max(256).default(1),
  cascade: cascadeSettingsSchema.optional(),
});

/**
 * A scoring job as a caller asks for it: a model, or a filter whose promoted model the edge resolves
 * when it creates the job (the stored spec then names both). Both: the model must be of that filter.
 */
export const inferJobRequestSchema = inferJobSpecSchema
  .extend({ model_id: idSchema.optional() })
  .refine((spec) => spec.model_id !== undefined || spec.filter !== undefined, {
    message: "name a model_id, or a filter to score with its promoted model",
    path: ["model_id"],
  });

export const importJobSpecSchema = z.strictObject({
  kind: z.literal("import"),
  upload_id: idSchema,
});

export const jobSpecSchema = z.discriminatedUnion("kind", [
  importJobSpecSchema,
  oracleJobSpecSchema,
  trainJobSpecSchema,
  evalJobSpecSchema,
  inferJobSpecSchema,
  bakeoffJobSpecSchema,
]);
export type JobSpec = z.infer<typeof jobSpecSchema>;

/** What `POST /v1/jobs` accepts: a job spec, where a scoring job may name a filter instead of a model. */
export const jobRequestSchema = z.discriminatedUnion("kind", [
  importJobSpecSchema,
  oracleJobSpecSchema,
  trainJobSpecSchema,
  evalJobSpecSchema,
  inferJobRequestSchema,
  bakeoffJobSpecSchema,
]);
export type JobRequest = z.infer<typeof jobRequestSchema>;
export type InferJobRequest = z.infer<typeof inferJobRequestSchema>;
export type OracleJobSpec = z.infer<typeof oracleJobSpecSchema>;
export type TrainJobSpec = z.infer<typeof trainJobSpecSchema>;
export type EvalJobSpec = z.infer<typeof evalJobSpecSchema>;
export type InferJobSpec = z.infer<typeof inferJobSpecSchema>;

export const jobProgressSchema = z.object({
  done: z.number().min(0),
  total: z.number().min(0).nullable(),
  step: z.number().int().min(0).optional(),
  loss: z.number().nullable().optional(),
  examples_per_s: z.number().min(0).nullable().optional(),
  tokens_per_s: z.number().min(0).nullable().optional(),
  eta_s: z.number().min(0).nullable().optional(),
  gpu_mem_gb: z.number().min(0).nullable().optional(),
  /** Seconds per optimizer step over the last logging window. */
  step_time_s: z.number().min(0).nullable().optional(),
  /** Model FLOPs utilisation (0-1) over the last window; null where the GPU's peak is unknown. */
  mfu: z.number().min(0).nullable().optional(),
  message: z.string().optional(),
});
export type JobProgress = z.infer<typeof jobProgressSchema>;

export const jobErrorSchema = z.object({ code: z.string(), message: z.string() });

export const jobLeaseSchema = z.object({
  node_id: idSchema,
  lease_id: idSchema,
  expires_at: timestampSchema,
});

export const jobSchema = z.object({
  id: idSchema,
  kind: jobKindSchema,
  state: jobStateSchema,
  spec: jobSpecSchema,
  progress: jobProgressSchema,
  result: z.record(z.string(), z.unknown()).nullable(),
  error: jobErrorSchema.nullable(),
  attempts: z.number().int().min(0),
  lease: jobLeaseSchema.nullable(),
  created_by: z.string(),
  /** Where a chat message shows this job (the bot edits it as the job moves). */
  notify: z.object({ channel_id: z.string(), message_id: z.string() }).nullable(),
  created_at: timestampSchema,
  updated_at: timestampSchema,
  started_at: timestampSchema.nullable(),
  finished_at: timestampSchema.nullable(),
});
export type Job = z.infer<typeof jobSchema>;

// ---------------------------------------------------------------------------------------------
// The Python job file: what `python -m distillery_gpu <command> --job JOB.json` reads.
// ---------------------------------------------------------------------------------------------

export const deviceSchema = z.enum(["auto", "cpu", "cuda"]);

export const pythonTrainJobSchema = z.strictObject({
  command: z.literal("train"),
  job_id: idSchema,
  filter: filterPackageSchema,
  student: studentSettingsSchema,
  data: z.strictObject({ train: z.string().min(1), validation: z.string().min(1) }),
  checkpoint_every_steps: z.number().int().min(1).default(200),
  early_stopping_patience: z.number().int().min(1).nullable().default(null),
  device: deviceSchema.default("auto"),
  load_in_4bit: z.boolean().default(false),
});

export const pythonEvalJobSchema = z.strictObject({
  command: z.literal("eval"),
  job_id: idSchema,
  model_dir: z.string().min(1),
  /** With `train`, eval also fits the lexical baseline on it and writes that baseline's test predictions. */
  data: z.strictObject({ test: z.string().min(1), train: z.string().min(1).optional() }),
  batch_tokens: z.number().int().min(64).default(16_384),
  device: deviceSchema.default("auto"),
});

export const pythonInferJobSchema = z.strictObject({
  command: z.literal("infer"),
  job_id: idSchema,
  model_dir: z.string().min(1),
  /** NDJSON of `{ id, title, body, language, source }`, streamed. */
  input: z.string().min(1),
  chunk_size: z.number().int().min(1).default(1_000),
  batch_tokens: z.number().int().min(64).default(16_384),
  max_new_tokens: z.number().int().min(16).default(512),
  /** Coverage of the conformal interval of the overall score, for models that carry a calibration. */
  coverage: z.number().gt(0).lt(1).optional(),
  device: deviceSchema.default("auto"),
});

export const pythonBenchJobSchema = z.strictObject({
  command: z.literal("bench"),
  job_id: idSchema,
  architectures: z
    .array(z.string().min(1))
    .default(["Qwen/Qwen2.5-0.5B", "Qwen/Qwen2.5-1.5B", "Qwen/Qwen2.5-7B"]),
  seq_lengths: z.array(z.number().int().min(16)).default([512, 1024]),
  modes: z.array(z.enum(["score", "train"])).default(["score", "train"]),
  steps: z.number().int().min(1).default(20),
  device: deviceSchema.default("auto"),
});

export const pythonJobFileSchema = z.discriminatedUnion("command", [
  pythonTrainJobSchema,
  pythonEvalJobSchema,
  pythonInferJobSchema,
  pythonBenchJobSchema,
]);
export type PythonJobFile = z.infer<typeof pythonJobFileSchema>;

/** One JSON line the Python side prints on stdout. */
export const pythonEventSchema = z.discriminatedUnion("event", [
  z.object({
    event: z.literal("progress"),
    step: z.number().int().min(0),
    total: z.number().int().min(0).nullable(),
    loss: z.number().nullable(),
    examples_per_s: z.number().nullable(),
    tokens_per_s: z.number().nullable(),
    eta_s: z.number().nullable(),
    gpu_mem_gb: z.number().nullable(),
    step_time_s: z.number().nullable().optional(),
    mfu: z.number().nullable().optional(),
  }),
  z.object({
    event: z.literal("chunk"),
    index: z.number().int().min(0),
    path: z.string(),
    count: z.number().int(),
  }),
  z.object({ event: z.literal("log"), message: z.string() }),
  z.object({ event: z.literal("error"), code: z.string(), message: z.string() }),
]);
export type PythonEvent = z.infer<typeof pythonEventSchema>;

/** A model in the registry. */
export const studentModelSchema = z.object({
  id: idSchema,
  filter: slugSchema,
  filter_version: z.number().int().min(1),
  dataset_id: idSchema,
  kind: studentKindSchema,
  base_model: z.string(),
  backend: z.string(),
  metrics: z.record(z.string(), z.unknown()).nullable(),
  artifact_key: z.string().nullable(),
  artifact_sha256: z.string().nullable(),
  artifact_bytes: z.number().int().nullable(),
  created_at: timestampSchema,
});
export type StudentModel = z.infer<typeof studentModelSchema>;
