/**
 * @module
 * What every Python command writes as `result.json` (train, eval, infer, bench, doctor) and what each job
 * kind's `Job.result` builds on (`job-result.ts`). Python validates its result against the JSON Schema exported from here
 * before writing it; the node agent validates it on reading (a mismatch fails the job with
 * `result.invalid` naming the field); the edge, the CLI and the bot read only these typed fields.
 * A figure a student cannot produce is absent and its reason is in `missing`, never a guessed default.
 */
import { z } from "zod";
import { idSchema, slugSchema } from "./common";
import { studentKindSchema } from "./filter";

/** Why a figure could not be computed, keyed by the field's name (e.g. `training_curve`). */
export const missingReasonsSchema = z.record(z.string(), z.string().min(1));

/**
 * A training curve: loss per optimiser step (`unit: "step"`, the LoRA students) or, for students fitted
 * in closed form (probe, lexical), a learning curve: training MAE and out-of-fold MAE against the
 * number of training articles (`unit: "train_articles"`).
 */
export const trainingCurveSchema = z.object({
  unit: z.enum(["step", "train_articles"]),
  points: z
    .array(z.object({ x: z.number().min(0), loss: z.number(), val_loss: z.number().nullable() }))
    .min(1),
});
export type TrainingCurve = z.infer<typeof trainingCurveSchema>;

/** Per-dimension MAE before and after the student's isotonic calibration, on data neither was fitted on. */
export const calibrationEffectSchema = z.record(
  slugSchema,
  z.object({ mae_before: z.number().min(0), mae_after: z.number().min(0), applied: z.boolean() }),
);
export type CalibrationEffect = z.infer<typeof calibrationEffectSchema>;

/**
 * The model's conformal calibration, for adaptive intervals: the nonconformity score of a calibration
 * article is `|oracle overall − student overall| / overall_scale`, computed on articles that neither the
 * heads nor the isotonic maps were fitted on. At coverage c the interval of an article is
 * `overall ± q(c) · overall_scale` with `q(c)` the split-conformal quantile of `scores`.
 */
export const conformalCalibrationSchema = z.object({
  /** `normalized`: scores divided by the article's predicted error scale; `absolute`: scale 1. */
  method: z.enum(["normalized", "absolute"]),
  /** Sorted ascending. */
  scores: z.array(z.number().min(0)).min(1),
  default_coverage: z.number().gt(0).lt(1),
  /** Where the calibration articles came from, for people (e.g. "out-of-fold over train+validation"). */
  data: z.string().min(1),
});
export type ConformalCalibration = z.infer<typeof conformalCalibrationSchema>;

/** Out-of-fold validation figures of a trained student: nothing here was fitted on the rows it scores. */
export const trainValidationSchema = z.object({
  /** How the figures were obtained, for people (e.g. "5-fold cross-fitting over train+validation"). */
  method: z.string().min(1),
  n: z.number().int().min(0),
  dimension_mae: z.number().min(0),
  per_dimension: z.record(slugSchema, z.number().min(0)),
  /** The lexical model's figure on the same rows, when the student was compared with it. */
  lexical_dimension_mae: z.number().min(0).nullable(),
  /** Per categorical field: share of validation articles whose category the student got right. */
  category_accuracy: z.record(slugSchema, z.number().min(0).max(1)),
});
export type TrainValidation = z.infer<typeof trainValidationSchema>;

const studentIdentityShape = {
  kind: studentKindSchema,
  /** The base model or encoder the student was built on (`packaged:multilingual-e5-small`, a hub name…). */
  base_model: z.string().min(1),
  /** What ran it (`onnxruntime-int8`, `scikit-learn`, `transformers+peft`, `unsloth`…). */
  backend: z.string().min(1),
};

export const pythonTrainResultSchema = z.object({
  command: z.literal("train"),
  job_id: idSchema,
  ...studentIdentityShape,
  device: z.string().min(1),
  /** The trained model's folder (absolute, or relative to `--out`): what the node uploads. */
  model_dir: z.string().min(1),
  artifact_bytes: z.number().int().min(0),
  training_curve: trainingCurveSchema.nullable(),
  validation: trainValidationSchema.nullable(),
  calibration: calibrationEffectSchema.nullable(),
  missing: missingReasonsSchema.default({}),
  /** Kind-specific figures for people (steps, throughput, head choices); never read by code. */
  details: z.record(z.string(), z.unknown()).default({}),
});
export type PythonTrainResult = z.infer<typeof pythonTrainResultSchema>;

export const pythonEvalResultSchema = z.object({
  command: z.literal("eval"),
  job_id: idSchema,
  kind: studentKindSchema,
  n: z.number().int().min(0),
  /** File (relative to `--out`) of `prediction` lines, one per test article. */
  predictions: z.string().min(1),
  articles_per_s: z.number().min(0),
  conformal: conformalCalibrationSchema.nullable(),
  /** File of the lexical baseline's `prediction` lines, fitted on the job's train split; null without one. */
  lexical_baseline: z.string().min(1).nullable(),
  /** Generative students: how many answers parsed. */
  parse: z
    .object({
      ok: z.number().int().min(0),
      repaired: z.number().int().min(0),
      invalid: z.number().int().min(0),
    })
    .nullable()
    .default(null),
  missing: missingReasonsSchema.default({}),
});
export type PythonEvalResult = z.infer<typeof pythonEvalResultSchema>;

export const pythonInferResultSchema = z.object({
  command: z.literal("infer"),
  job_id: idSchema,
  kind: studentKindSchema,
  predictions: z.number().int().min(0),
  chunks: z.number().int().min(0),
  /** Coverage of the intervals written, or null for a model without conformal calibration. */
  coverage: z.number().gt(0).lt(1).nullable(),
  articles_per_s: z.number().min(0),
});
export type PythonInferResult = z.infer<typeof pythonInferResultSchema>;

export const pythonBenchResultSchema = z.object({
  command: z.literal("bench"),
  job_id: idSchema,
  device: z.string(),
  peak_flops: z.number().nullable(),
  torch: z.string(),
  results: z.array(z.record(z.string(), z.unknown())),
  targets: z.record(z.string(), z.number()),
});
export type PythonBenchResult = z.infer<typeof pythonBenchResultSchema>;

export const pythonDoctorResultSchema = z
  .object({
    python: z.string(),
    platform: z.string(),
    executable: z.string(),
    /** Null when torch is not installed (a CPU-only environment for the probe and lexical students). */
    torch: z.string().nullable(),
    cpu_threads: z.number().int().min(1),
    cuda: z.object({ available: z.boolean() }).passthrough(),
    bf16: z.boolean(),
    backends: z.record(z.string(), z.object({ ok: z.boolean() }).passthrough()),
    train_backend: z.string().nullable(),
    /**
     * The student kinds this machine can train and run: `regression` and `generative` only where CUDA
     * initialises, `encoder` wherever torch is installed.
     */
    student_kinds: z.array(studentKindSchema),
    /** Why each torch student kind missing from `student_kinds` is missing (e.g. the CUDA error). */
    unavailable_student_kinds: z.record(z.string(), z.string()).optional(),
  })
  .passthrough();
export type PythonDoctorResult = z.infer<typeof pythonDoctorResultSchema>;

/** `result.json` of any command, told apart by `command` (doctor has none and is parsed on its own). */
export const pythonResultSchema = z.discriminatedUnion("command", [
  pythonTrainResultSchema,
  pythonEvalResultSchema,
  pythonInferResultSchema,
  pythonBenchResultSchema,
]);
export type PythonResult = z.infer<typeof pythonResultSchema>;
