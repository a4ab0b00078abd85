/**
 * @module
 * Scoring uses the promoted model unless told otherwise: a job request that names a filter but no
 * model becomes a stored spec naming the filter's promoted model (so the job records which model it
 * used, whatever is promoted later). Other requests pass through unchanged.
 *
 * @example
 * const spec = await resolveJobRequest(env, { kind: "infer", filter: "energy" }); // spec.model_id set
 */
import { DistilleryError, type JobRequest, type JobSpec } from "@distillery/shared";
import type { Env } from "../env";
import { modelOfFilter } from "./promote";
import { getPromotion } from "./store";

/** The stored spec of a job request; 400 `promotion.none` when the filter has no promoted model. */
export async function resolveJobRequest(env: Env, request: JobRequest): Promise<JobSpec> {
  if (request.kind !== "infer") return request;
  const { model_id: modelId, ...rest } = request;
  if (modelId !== undefined) {
    if (request.filter !== undefined) await modelOfFilter(env, request.filter, modelId);
    return { ...rest, model_id: modelId };
  }
  const filter = request.filter!;
  const promotion = await getPromotion(env, filter);
  if (!promotion) {
    throw new DistilleryError(
      "promotion.none",
      `filter ${filter} has no promoted model: name a model_id, or promote one (POST /v1/filters/${filter}/promote)`,
      { details: [{ path: "model_id", issue: `required: ${filter} has no promoted model` }] },
    );
  }
  return { ...rest, model_id: promotion.model_id };
}
