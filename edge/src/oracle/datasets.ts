/**
 * @module
 * Datasets at the edge: built from a filter version's oracle labels with the shared builder
 * (`buildDataset`), stored immutably (rows as JSONL in R2 under a versioned key, the report and
 * content hash in D1), read back whole or one split at a time as streamed JSONL.
 */
import {
  buildDataset,
  type Dataset,
  type DatasetCreateRequest,
  type DatasetLabel,
  DistilleryError,
  labelSelectionSchema,
  rowsToJsonl,
  type SplitName,
} from "@distillery/shared";
import { and, desc, eq, lt, type SQL } from "drizzle-orm";
import { database, newId } from "../db/client";
import { type Page, paginate } from "../db/pagination";
import { datasets, oracleLabels } from "../db/schema";
import type { Env } from "../env";
import { loadFilter } from "../filters/store";
import { loadArticleTexts } from "./store";

type DatasetRecord = typeof datasets.$inferSelect;

function toDataset(row: DatasetRecord): Dataset {
  return {
    id: row.id,
    filter: row.filter,
    filter_version: row.filter_version,
    seed: row.seed,
    report: row.report as Dataset["report"],
    content_hash: row.content_hash,
    created_at: row.created_at,
  };
}

/** Where a dataset's rows live in R2: one object per split. */
export function datasetRowsKey(id: string, split: SplitName) {
  return `datasets/${id}/${split}.jsonl`;
}

/** Builds and stores a dataset from every label of the filter version (latest unless named). */
export async function createDataset(env: Env, request: DatasetCreateRequest): Promise<Dataset> {
  const filter = await loadFilter(env, request.filter, request.filter_version);
  const db = database(env.DB);
  const conditions = [eq(oracleLabels.filter, filter.name), eq(oracleLabels.filter_version, filter.version)];
  if (request.oracle) {
    conditions.push(
      eq(oracleLabels.provider, request.oracle.provider),
      eq(oracleLabels.model, request.oracle.model),
    );
  }
  const labels = await db
    .select()
    .from(oracleLabels)
    .where(and(...conditions))
    .all();
  if (labels.length === 0) {
    const by = request.oracle ? ` from ${request.oracle.provider}:${request.oracle.model}` : "";
    throw new DistilleryError(
      "dataset.no_labels",
      `filter ${filter.name} v${filter.version} has no oracle labels${by} yet`,
      {
        status: 409,
        details: [{ path: request.oracle ? "oracle" : "filter", issue: "no labels" }],
      },
    );
  }
  // One label per article: the newest (a later prompt version wins over an older one).
  const newest = new Map<string, (typeof labels)[number]>();
  for (const label of labels) {
    const seen = newest.get(label.article_id);
    if (!seen || seen.created_at < label.created_at) newest.set(label.article_id, label);
  }
  const texts = await loadArticleTexts(env, [...newest.keys()]);
  const input: DatasetLabel[] = [];
  for (const [id, label] of newest) {
    const text = texts.get(id);
    if (!text) continue;
    input.push({
      article: { id, ...text },
      scores: label.scores as DatasetLabel["scores"],
      categories: label.categories as Record<string, string>,
      selection: labelSelectionSchema.catch("unknown").parse(label.selection),
    });
  }
  const built = await buildDataset(filter, input, { seed: request.seed });
  const id = newId("ds");
  for (const split of ["train", "validation", "test"] as const) {
    await env.BUCKET.put(datasetRowsKey(id, split), rowsToJsonl(built.rows, split), {
      httpMetadata: { contentType: "application/x-ndjson" },
    });
  }
  const row = await db
    .insert(datasets)
    .values({
      id,
      filter: filter.name,
      filter_version: filter.version,
      seed: request.seed,
      report: built.report,
      content_hash: built.content_hash,
      artifact_key: `datasets/${id}/`,
    })
    .returning()
    .get();
  const splits = built.rows.map((r) => ({ article_id: r.article_id, split: r.split }));
  for (let i = 0; i < splits.length; i += 500) {
    await env.DB.prepare(
      `INSERT INTO dataset_splits (dataset_id, article_id, split)
       SELECT ?1, json_extract(value, '$.article_id'), json_extract(value, '$.split') FROM json_each(?2)`,
    )
      .bind(id, JSON.stringify(splits.slice(i, i + 500)))
      .run();
  }
  return toDataset(row);
}

export async function getDataset(env: Env, id: string): Promise<Dataset> {
  const row = await database(env.DB).select().from(datasets).where(eq(datasets.id, id)).get();
  if (!row) {
    throw new DistilleryError("dataset.not_found", `no dataset '${id}'`, {
      status: 404,
      details: [{ path: "id", issue: "not found" }],
    });
  }
  return toDataset(row);
}

/** A stream of the dataset's rows as JSONL: one split, or all three in order. */
export async function datasetRowsStream(env: Env, id: string, split?: SplitName): Promise<ReadableStream> {
  await getDataset(env, id);
  const splits: SplitName[] = split ? [split] : ["train", "validation", "test"];
  const { readable, writable } = new TransformStream();
  (async () => {
    for (const name of splits) {
      const object = await env.BUCKET.get(datasetRowsKey(id, name));
      if (object) await object.body.pipeTo(writable, { preventClose: true });
    }
    await writable.close();
  })().catch((error: unknown) => writable.abort(error));
  return readable;
}

/** Datasets newest first, optionally of one filter; `cursor` is the last id of the previous page. */
export async function listDatasets(
  env: Env,
  query: { filter?: string; cursor?: string; limit: number },
): Promise<Page<Dataset>> {
  const conditions: SQL[] = [];
  if (query.filter) conditions.push(eq(datasets.filter, query.filter));
  if (query.cursor) conditions.push(lt(datasets.id, query.cursor));
  return paginate({
    limit: query.limit,
    fetchRows: (take) =>
      database(env.DB)
        .select()
        .from(datasets)
        .where(and(...conditions))
        .orderBy(desc(datasets.id))
        .limit(take)
        .all(),
    toItem: toDataset,
    cursorOf: (row) => row.id,
  });
}
