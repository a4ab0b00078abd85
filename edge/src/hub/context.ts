/**
 * @module
 * Resolves what a node needs to run a job shard (`job.offer`'s `context`): the filter package and
 * merged student settings (train), the model and its artifact URL (eval/infer), and the URLs of the
 * NDJSON inputs (train + validation for train, test + train for eval, the shard's articles for infer)
 * with content hashes the node caches downloads by. A job whose dataset, model or filter
 * is missing fails here with a clear error instead of being offered.
 */
import {
  DistilleryError,
  type JobOfferContext,
  type JobSpec,
  studentSettingsSchema,
} from "@distillery/shared";
import { eq } from "drizzle-orm";
import { database } from "../db/client";
import { datasets, studentModels } from "../db/schema";
import type { Env } from "../env";
import { loadFilter } from "../filters/store";

/** Predictions per chunk of a scoring shard: the unit of upload, acknowledgement and resume. */
export const INFER_CHUNK_SIZE = 1_000;

/** The id a train job's model gets: derived from the job, so a re-run uploads to the same model. */
export function modelIdForTrainJob(jobId: string): string {
  return `mdl_${jobId.replace(/^job_/, "")}`;
}

export async function loadDataset(env: Env, id: string) {
  const row = await database(env.DB).select().from(datasets).where(eq(datasets.id, id)).get();
  if (!row) throw new DistilleryError("dataset.not_found", `dataset ${id} does not exist`, { status: 404 });
  return row;
}

export async function loadModel(env: Env, id: string) {
  const row = await database(env.DB).select().from(studentModels).where(eq(studentModels.id, id)).get();
  if (!row) throw new DistilleryError("model.not_found", `model ${id} does not exist`, { status: 404 });
  return row;
}

/** A dataset split as the node downloads it: streamed from R2 by the hub's node route. */
function datasetInput(jobId: string, dataset: { content_hash: string }, split: string) {
  return {
    url: `/v1/nodes/jobs/${encodeURIComponent(jobId)}/inputs/${split}`,
    content_hash: `${dataset.content_hash}-${split}`,
  };
}

function modelRef(model: Awaited<ReturnType<typeof loadModel>>): NonNullable<JobOfferContext["model"]> {
  if (!model.artifact_key) {
    throw new DistilleryError("model.no_artifact", `model ${model.id} has no uploaded artifact yet`, {
      status: 409,
    });
  }
  return {
    id: model.id,
    kind: model.kind as NonNullable<JobOfferContext["model"]>["kind"],
    artifact_url: `/v1/models/${encodeURIComponent(model.id)}/artifact`,
    artifact_sha256: model.artifact_sha256,
  };
}

/** The offer context of one shard of a job. */
export async function offerContext(
  env: Env,
  job: { id: string; spec: JobSpec },
  shard: number,
): Promise<JobOfferContext> {
  const { spec } = job;
  if (spec.kind === "train") {
    const dataset = await loadDataset(env, spec.dataset_id);
    const filter = await loadFilter(env, dataset.filter, dataset.filter_version);
    const base = filter.student;
    const student = studentSettingsSchema.parse({
      kind: spec.student.kind ?? base.kind,
      base_model: spec.student.base_model ?? base.base_model,
      encoder: spec.student.encoder ?? base.encoder,
      hyperparameters: {
        ...base.hyperparameters,
        ...spec.student.hyperparameters,
        lora: { ...base.hyperparameters.lora, ...spec.student.hyperparameters?.lora },
      },
    });
    return {
      filter,
      student,
      inputs: {
        train: datasetInput(job.id, dataset, "train"),
        validation: datasetInput(job.id, dataset, "validation"),
      },
      output_model_id: modelIdForTrainJob(job.id),
    };
  }
  if (spec.kind === "eval") {
    const model = await loadModel(env, spec.model_id);
    const dataset = await loadDataset(env, spec.dataset_id ?? model.dataset_id);
    // The train split too: the node fits the lexical baseline on it, the same data the student had.
    return {
      inputs: { test: datasetInput(job.id, dataset, "test"), train: datasetInput(job.id, dataset, "train") },
      model: modelRef(model),
    };
  }
  if (spec.kind === "infer") {
    const model = await loadModel(env, spec.model_id);
    return {
      inputs: {
        input: {
          url: `/v1/nodes/jobs/${encodeURIComponent(job.id)}/shards/${shard}/input`,
          // The shard's rows are fixed when the job is sharded, so the URL names its content.
          content_hash: `${job.id}-shard-${shard}`,
        },
      },
      model: modelRef(model),
      chunk_size: INFER_CHUNK_SIZE,
    };
  }
  throw new DistilleryError("job.not_gpu", `${spec.kind} jobs do not run on GPU nodes`);
}
