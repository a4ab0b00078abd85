/**
 * @module
 * The jobs-module hooks for GPU jobs (train, eval, infer): `validate` refuses a job that could never
 * run (unknown dataset or model, a `sample` selection for scoring) before it is stored; `start` tells
 * the node hub, which offers it to an idle capable node at once (the hub's alarm also polls for queued
 * jobs, so a job created while no hub is reachable is still picked up); `cancelled` settles a cancelled
 * cascade scoring job. Registered for train, eval and infer in `src/kinds.ts`.
 */
import type { JobSpec } from "@distillery/shared";
import type { Env } from "../env";
import type { JobKindHooks } from "../jobs/kinds";
import { settleCascade } from "./cascade";
import { loadDataset, loadModel } from "./context";
import { selectionWhere } from "./inputs";

async function validate(env: Env, spec: JobSpec): Promise<void> {
  if (spec.kind === "train") await loadDataset(env, spec.dataset_id);
  if (spec.kind === "eval") {
    const model = await loadModel(env, spec.model_id);
    await loadDataset(env, spec.dataset_id ?? model.dataset_id);
  }
  if (spec.kind === "infer") {
    await loadModel(env, spec.model_id);
    selectionWhere(spec.selection);
  }
}

export const gpuJobHooks: JobKindHooks = {
  validate,
  async start(env) {
    await env.NODE_HUB.get(env.NODE_HUB.idFromName("hub")).kick();
  },
  // A cancelled cascade scoring job takes its oracle job with it (see cascade.ts).
  async cancelled(env, job) {
    if (job.kind === "infer") await settleCascade(env, job.id);
  },
};
