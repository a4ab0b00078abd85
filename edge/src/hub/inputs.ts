/**
 * @module
 * The NDJSON input of one shard of a scoring (infer) job: the selected articles whose rowid falls in
 * the shard (`rowid % shard_count = shard`), up to the largest rowid when the job was sharded, in rowid
 * order — so a re-run of the shard sees the same rows in the same order and chunk N is always the same
 * articles. Streamed page by page (keyset on rowid), never held whole; large bodies come from R2.
 * Also the dataset split a train or eval job reads (`jobDatasetInput`).
 */
import {
  type ArticleSelection,
  DistilleryError,
  type InferInputRow,
  type SplitName,
} from "@distillery/shared";
import { and, eq } from "drizzle-orm";
import { database } from "../db/client";
import { jobShards } from "../db/schema";
import type { Env } from "../env";
import { getJob } from "../jobs/index";
import { datasetRowsKey } from "../oracle/datasets";
import { loadModel } from "./context";

const PAGE_ROWS = 2_000;

type ArticleRow = {
  rowid: number;
  id: string;
  title: string;
  body: string | null;
  body_key: string | null;
  language: string;
  source: string;
};

/** SQL conditions and parameters for a selection (`sample` needs the oracle stage and is refused). */
export function selectionWhere(selection: ArticleSelection): { where: string[]; params: unknown[] } {
  switch (selection.type) {
    case "all":
      return { where: [], params: [] };
    case "ids":
      return { where: ["id IN (SELECT value FROM json_each(?))"], params: [JSON.stringify(selection.ids)] };
    case "query": {
      const where: string[] = [];
      const params: unknown[] = [];
      if (selection.source) where.push("source = ?") && params.push(selection.source);
      if (selection.language) where.push("language = ?") && params.push(selection.language);
      if (selection.since) where.push("published_at >= ?") && params.push(selection.since);
      if (selection.until) where.push("published_at < ?") && params.push(selection.until);
      return { where, params };
    }
    case "sample":
      throw new DistilleryError("selection.unsupported", "scoring jobs take ids, query or all, not sample", {
        details: [{ path: "selection.type", issue: "sample is for oracle jobs" }],
      });
  }
}

/** Streams the shard's rows as NDJSON (`inferInputRowSchema`). */
export function shardInputStream(
  env: Env,
  selection: ArticleSelection,
  shard: { shard: number; shard_count: number; input_max_rowid: number | null },
): ReadableStream<Uint8Array> {
  const { where, params } = selectionWhere(selection);
  const limit = selection.type === "query" && shard.shard_count === 1 ? (selection.limit ?? null) : null;
  const sql = `SELECT rowid, id, title, body, body_key, language, source FROM articles
    WHERE rowid > ? AND rowid <= ? AND (rowid % ?) = ? ${where.map((w) => `AND ${w}`).join(" ")}
    ORDER BY rowid LIMIT ?`;
  const encoder = new TextEncoder();
  let after = 0;
  let sent = 0;
  return new ReadableStream({
    async pull(controller) {
      const pageSize = limit === null ? PAGE_ROWS : Math.min(PAGE_ROWS, limit - sent);
      if (pageSize <= 0) return controller.close();
      const { results } = await env.DB.prepare(sql)
        .bind(after, shard.input_max_rowid ?? 0, shard.shard_count, shard.shard, ...params, pageSize)
        .all<ArticleRow>();
      if (results.length === 0) return controller.close();
      const lines: string[] = [];
      for (const row of results) {
        const body =
          row.body ?? (row.body_key ? ((await (await env.BUCKET.get(row.body_key))?.text()) ?? "") : "");
        const line: InferInputRow = {
          id: row.id,
          title: row.title,
          body,
          language: row.language,
          source: row.source,
        };
        lines.push(`${JSON.stringify(line)}\n`);
      }
      after = results.at(-1)!.rowid;
      sent += results.length;
      controller.enqueue(encoder.encode(lines.join("")));
    },
  });
}

/**
 * The NDJSON input of shard `shard` (as the node named it in the path) of scoring job `jobId`; 400
 * `job.not_infer` for another kind, 404 `shard.not_found` for a shard the job does not have.
 */
export async function jobShardInput(
  env: Env,
  jobId: string,
  shard: string,
): Promise<ReadableStream<Uint8Array>> {
  const job = await getJob(env, jobId);
  if (job.spec.kind !== "infer") {
    throw new DistilleryError(
      "job.not_infer",
      `job ${job.id} is a ${job.spec.kind} job; only scoring jobs have shard inputs`,
    );
  }
  const row = await database(env.DB)
    .select()
    .from(jobShards)
    .where(and(eq(jobShards.job_id, job.id), eq(jobShards.shard, Number(shard))))
    .get();
  if (!row)
    throw new DistilleryError("shard.not_found", `job ${job.id} has no shard ${shard}`, {
      status: 404,
    });
  return shardInputStream(env, job.spec.selection, row);
}

/** What each GPU job kind reads of its dataset: a train job its train and validation splits, an eval job its test and train. */
const DATASET_INPUTS: Record<string, string[]> = { train: ["train", "validation"], eval: ["test", "train"] };

/**
 * The dataset split `split` a train or eval job reads, as NDJSON (an eval job without a dataset reads
 * its model's); 404 `job.input_unknown` for a split the job does not read, `dataset.no_rows` when the
 * split is not stored.
 */
export async function jobDatasetInput(env: Env, jobId: string, split: string): Promise<ReadableStream> {
  const job = await getJob(env, jobId);
  if (!DATASET_INPUTS[job.spec.kind]?.includes(split)) {
    throw new DistilleryError("job.input_unknown", `a ${job.spec.kind} job has no input '${split}'`, {
      status: 404,
    });
  }
  const spec = job.spec;
  const datasetId =
    spec.kind === "train"
      ? spec.dataset_id
      : spec.kind === "eval"
        ? (spec.dataset_id ?? (await loadModel(env, spec.model_id)).dataset_id)
        : "";
  const object = await env.BUCKET.get(datasetRowsKey(datasetId, split as SplitName));
  if (!object)
    throw new DistilleryError("dataset.no_rows", `dataset ${datasetId} has no ${split} rows`, {
      status: 404,
    });
  return object.body;
}
