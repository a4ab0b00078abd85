/**
 * @module
 * What a node sends in `job.result` for each GPU job kind (the Python result, less local paths, plus
 * what the node did with it) and what each job kind's `Job.result` holds once the edge has finished it.
 * The hub validates a node's result with these; the CLI and the bot read only these typed fields.
 */
import { z } from "zod";
import { oracleEstimateSchema, oracleJobResultSchema } from "../oracle/api";
import { bakeoffEstimateSchema, bakeoffReportSchema } from "../oracle/bakeoff";
import { importResultSchema } from "./api";
import { idSchema } from "./common";
import { cascadeSummarySchema } from "./job";
import { predictionSchema } from "./prediction";
import { metricsSchema } from "./report";
import { pythonEvalResultSchema, pythonInferResultSchema, pythonTrainResultSchema } from "./result";

/** A train job's result: the Python result (less local paths) and the registered model. */
export const trainJobResultSchema = pythonTrainResultSchema
  .omit({ command: true, job_id: true, model_dir: true })
  .extend({
    model_id: idSchema,
    artifact_sha256: z.string().min(1),
  });
export type TrainJobResult = z.infer<typeof trainJobResultSchema>;

/** What a node sends for an eval shard: the Python result with the lexical baseline's predictions inline. */
export const nodeEvalResultSchema = pythonEvalResultSchema
  .omit({ command: true, job_id: true, predictions: true, lexical_baseline: true })
  .extend({ lexical_baseline: z.array(predictionSchema).nullable() });
export type NodeEvalResult = z.infer<typeof nodeEvalResultSchema>;

/** What a node sends for a train shard: the Python result and the uploaded artifact. */
export const nodeTrainResultSchema = pythonTrainResultSchema
  .omit({ command: true, job_id: true, model_dir: true })
  .extend({ artifact: z.object({ sha256: z.string().min(1), bytes: z.number().int().min(0) }) });
export type NodeTrainResult = z.infer<typeof nodeTrainResultSchema>;

export const nodeInferResultSchema = pythonInferResultSchema.omit({ command: true, job_id: true });
export type NodeInferResult = z.infer<typeof nodeInferResultSchema>;

export const evalJobResultSchema = z.object({
  model_id: idSchema,
  /** `GET /v1/jobs/{id}/report` serves the full report. */
  report_key: z.string().min(1),
  n_test: z.number().int().min(0),
  metrics: metricsSchema,
  verdict: z.array(z.string()),
});

export const inferJobResultSchema = z.object({
  predictions: z.number().int().min(0),
  chunks: z.number().int().min(0),
  shards: z.number().int().min(1),
  /** Predictions per tier, every tier of the filter best first; `unscored` last when any lack a tier. */
  tier_counts: z.record(z.string(), z.number().int().min(0)),
  cascade: cascadeSummarySchema.optional(),
});
export type InferJobResult = z.infer<typeof inferJobResultSchema>;

/** A dry-run oracle job's result: the estimate, nothing spent. */
export const oracleDryRunResultSchema = z.object({
  dry_run: z.literal(true),
  estimate: oracleEstimateSchema,
  banner: z.string().optional(),
});
export type OracleDryRunResult = z.infer<typeof oracleDryRunResultSchema>;

/** Each job kind's `Job.result`. */
export const jobResultSchemas = {
  import: importResultSchema,
  oracle: z.union([oracleJobResultSchema, oracleDryRunResultSchema]),
  train: trainJobResultSchema,
  eval: evalJobResultSchema,
  infer: inferJobResultSchema,
  bakeoff: z.union([bakeoffEstimateSchema, bakeoffReportSchema]),
} as const;

export type EvalJobResult = z.infer<typeof evalJobResultSchema>;
