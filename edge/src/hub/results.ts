/**
 * @module
 * What a node may send in `job.result`, per GPU job kind (`nodeTrainResultSchema`,
 * `nodeEvalResultSchema`, `nodeInferResultSchema` from the shared contract). The hub checks a result
 * when it arrives, so a node that breaks the contract fails its job with `result.invalid` naming the
 * field, and finalizing reads the stored shard results back through the same schemas: no key is guessed.
 */
import {
  DistilleryError,
  type JobKind,
  type NodeEvalResult,
  type NodeInferResult,
  type NodeTrainResult,
  nodeEvalResultSchema,
  nodeInferResultSchema,
  nodeTrainResultSchema,
  parseOrThrow,
} from "@distillery/shared";

export const nodeResultSchemas = {
  train: nodeTrainResultSchema,
  eval: nodeEvalResultSchema,
  infer: nodeInferResultSchema,
} as const;

export type GpuJobKind = keyof typeof nodeResultSchemas;
type NodeResultOf = { train: NodeTrainResult; eval: NodeEvalResult; infer: NodeInferResult };

/**
 * Parses a node's result for a job of `kind`; throws `result.invalid` listing every wrong field.
 * @example
 * const trained = parseNodeResult("train", message.result); // trained.base_model, trained.training_curve…
 */
export function parseNodeResult<K extends GpuJobKind>(kind: K, value: unknown): NodeResultOf[K];
export function parseNodeResult(kind: JobKind, value: unknown): NodeResultOf[GpuJobKind];
export function parseNodeResult(kind: JobKind, value: unknown): NodeResultOf[GpuJobKind] {
  if (kind !== "train" && kind !== "eval" && kind !== "infer")
    throw new DistilleryError("job.not_gpu", `${kind} jobs do not run on GPU nodes`);
  return parseOrThrow(nodeResultSchemas[kind], value, "result.invalid", `${kind} result from the node`);
}
