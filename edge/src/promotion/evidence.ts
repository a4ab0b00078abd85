/**
 * @module
 * The gate's evidence at the edge: each model's latest succeeded eval job on the candidate's dataset,
 * the dataset's test rows (the oracle labels, from R2), both jobs' stored predictions, and which test
 * articles were labelled from a random selection (an article counts as random when a label of the
 * dataset's filter version for it has `selection = 'random'`). A model without such an eval job
 * stops the promotion with `promotion.needs_eval`, naming the eval job to create.
 */
import {
  type DatasetRow,
  DistilleryError,
  datasetRowSchema,
  type GateArticle,
  type GatePrediction,
  type LabelSelection,
  labelSelectionSchema,
} from "@distillery/shared";
import { eq } from "drizzle-orm";
import { database } from "../db/client";
import { predictions } from "../db/schema";
import type { Env } from "../env";
import { datasetRowsKey } from "../oracle/datasets";

type Model = { id: string; dataset_id: string };

/**
 * The id of the model's newest succeeded eval job on `datasetId` (an eval spec without `dataset_id`
 * evaluated the model's own dataset), or a 409 `promotion.needs_eval` naming the job to create.
 */
export async function latestEvalJob(
  env: Env,
  model: Model,
  datasetId: string,
  role: string,
): Promise<string> {
  const row = await env.DB.prepare(
    `SELECT id FROM jobs
     WHERE kind = 'eval' AND state = 'succeeded' AND json_extract(spec, '$.model_id') = ?1
       AND coalesce(json_extract(spec, '$.dataset_id'), ?2) = ?3
     ORDER BY finished_at DESC, id DESC LIMIT 1`,
  )
    .bind(model.id, model.dataset_id, datasetId)
    .first<{ id: string }>();
  if (row) return row.id;
  const job = { kind: "eval", model_id: model.id, dataset_id: datasetId };
  throw new DistilleryError(
    "promotion.needs_eval",
    `the ${role} model ${model.id} has no succeeded eval job on dataset ${datasetId} (the candidate's test split): create ${JSON.stringify(job)} with POST /v1/jobs, then promote again`,
    { status: 409, details: [{ path: `${role}.eval`, issue: JSON.stringify(job) }] },
  );
}

async function testRows(env: Env, datasetId: string): Promise<DatasetRow[]> {
  const object = await env.BUCKET.get(datasetRowsKey(datasetId, "test"));
  if (!object) throw new DistilleryError("dataset.no_rows", `dataset ${datasetId} has no test rows in R2`);
  return (await object.text())
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => datasetRowSchema.parse(JSON.parse(line)));
}

async function jobPredictions(env: Env, jobId: string): Promise<Map<string, GatePrediction>> {
  const rows = await database(env.DB)
    .select({
      article_id: predictions.article_id,
      scores: predictions.scores,
      categories: predictions.categories,
    })
    .from(predictions)
    .where(eq(predictions.job_id, jobId))
    .all();
  return new Map(
    rows.map((row) => [
      row.article_id,
      {
        scores: row.scores as Record<string, number>,
        ...(row.categories ? { categories: row.categories as Record<string, string> } : {}),
      },
    ]),
  );
}

/**
 * How each test article's label of the dataset's filter version was selected: `random` when any of its
 * labels was, else the provenance its labels record (`unknown` for labels from before provenance).
 */
async function selectionsOf(
  env: Env,
  dataset: { filter: string; filter_version: number },
  articleIds: string[],
): Promise<Map<string, LabelSelection>> {
  const found = new Map<string, LabelSelection>();
  for (let i = 0; i < articleIds.length; i += 500) {
    const { results } = await env.DB.prepare(
      `SELECT article_id, selection FROM oracle_labels
       WHERE filter = ?1 AND filter_version = ?2 AND article_id IN (SELECT value FROM json_each(?3))`,
    )
      .bind(dataset.filter, dataset.filter_version, JSON.stringify(articleIds.slice(i, i + 500)))
      .all<{ article_id: string; selection: string }>();
    for (const row of results) {
      const selection = labelSelectionSchema.catch("unknown").parse(row.selection);
      const seen = found.get(row.article_id);
      if (!seen || seen === "unknown" || selection === "random") found.set(row.article_id, selection);
    }
  }
  return found;
}

/** Every test article of the dataset with the oracle label and both eval jobs' predictions. */
export async function gateArticles(
  env: Env,
  dataset: { id: string; filter: string; filter_version: number },
  evalJobIds: { candidate: string; incumbent: string },
): Promise<GateArticle[]> {
  const rows = await testRows(env, dataset.id);
  const candidate = await jobPredictions(env, evalJobIds.candidate);
  const incumbent = await jobPredictions(env, evalJobIds.incumbent);
  const selections = await selectionsOf(
    env,
    dataset,
    rows.map((row) => row.article_id),
  );
  return rows.map((row) => ({
    article_id: row.article_id,
    selection: selections.get(row.article_id) ?? "unknown",
    oracle: row.scores,
    oracleCategories: row.categories,
    candidate: candidate.get(row.article_id) ?? null,
    incumbent: incumbent.get(row.article_id) ?? null,
  }));
}
