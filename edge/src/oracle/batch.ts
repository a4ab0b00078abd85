/**
 * @module
 * Batch Mode (half price): an oracle job's articles go to Gemini as batches keyed by article id, each
 * label key claimed for the batch's lifetime. A job whose payload fits `ORACLE_BATCH_INLINE_BYTES`
 * goes as inline batches of up to `BATCH_SIZE` requests; a bigger one as uploaded JSONL files of at
 * most `ORACLE_BATCH_FILE_BYTES` (see batch-file.ts), one batch each. Article texts are read
 * `BATCH_SIZE` at a time, so a job of 150,000 articles never holds more than one file's worth. The
 * cron handler polls the open batches and ingests each one's results as soon as it completes.
 * `provider: openai` jobs (where OPENAI_BATCH allows them) always go as files, through OpenAI's Batch
 * API (batch-openai.ts); both providers' batches share the claims, rows and polling.
 */
import type { ArticleText, FilterPackage, ResolvedOracle } from "@distillery/shared";
import type { GoogleGenAI } from "@google/genai";
import { edgeConfig } from "../config";
import { nowIso } from "../db/client";
import type { Env } from "../env";
import { loadFilter } from "../filters/store";
import { type BatchFile, BatchFileBuilder, FILE_MAX_REQUESTS, uploadBatchFile } from "./batch-file";
import { openaiBatchLine, openaiBatchStatus, submitOpenAIFile } from "./batch-openai";
import {
  answerPending,
  type BatchAnswer,
  type BatchStatus,
  failUnanswered,
  flush,
  ingestAnswer,
  ingestResultsFile,
  pastDeadline,
} from "./batch-results";
import {
  batchesToPoll,
  claimIdFor,
  failUnsent,
  failUnsubmittedFile,
  leaseIngest,
  pendingOfBatch,
  registerBatch,
  releaseIngest,
} from "./batch-store";
import { type OracleSettings, oracleGemini, oracleSettings } from "./config";
import { openaiClient } from "./openai";
import { oracleBatchLine, oracleRequest } from "./request";
import { settleJob } from "./settle";
import { getOracleJob, loadArticleTexts, type OracleJobRow, rowOracle } from "./store";

export const BATCH_SIZE = 500;
const OPEN_STATES = ["JOB_STATE_PENDING", "JOB_STATE_RUNNING", "JOB_STATE_QUEUED", "submitted"];

type Submission = {
  env: Env;
  ai: GoogleGenAI;
  row: OracleJobRow;
  filter: FilterPackage;
  oracle: ResolvedOracle;
};

/** Submits `ids` inline when their requests fit the inline limit, as JSONL files otherwise. */
export async function submitBatches(
  env: Env,
  row: OracleJobRow,
  filter: FilterPackage,
  ids: readonly string[],
) {
  const config = edgeConfig(env);
  const settings = oracleSettings(env);
  const oracle = rowOracle(row, filter);
  const files = new BatchFileBuilder({
    maxBytes: config.ORACLE_BATCH_FILE_BYTES,
    maxRequests: FILE_MAX_REQUESTS,
  });
  const openai = row.provider === "openai" ? openaiClient(settings.openai) : null;
  const submission: Submission | null = openai
    ? null
    : { env, ai: oracleGemini(settings).ai, row, filter, oracle };
  const line = (id: string, text: ArticleText) =>
    openai ? openaiBatchLine(settings, filter, text, oracle, id) : oracleBatchLine(filter, text, oracle, id);
  const submitFull = (file: BatchFile, index: number) =>
    openai
      ? submitOpenAIFile(env, openai, row, file, index)
      : submitFile(submission as Submission, file, index);
  // Until the payload outgrows the inline limit the texts are kept (and completed files wait): small
  // Gemini jobs go inline. From then on, each completed file is submitted as soon as it is full.
  // OpenAI's Batch API takes files only.
  let held: Map<string, ArticleText> | null = openai ? null : new Map();
  const waiting: BatchFile[] = [];
  let fileIndex = 0;
  for (let i = 0; i < ids.length; i += BATCH_SIZE) {
    const chunk = ids.slice(i, i + BATCH_SIZE);
    const texts = await loadArticleTexts(env, chunk);
    await failMissing(env, row, chunk, texts);
    for (const [id, text] of texts) {
      const full = files.add(id, line(id, text));
      if (full) waiting.push(full);
      held?.set(id, text);
      if (held && files.totalBytes > config.ORACLE_BATCH_INLINE_BYTES) held = null;
    }
    while (!held && waiting.length > 0) await submitFull(waiting.shift() as BatchFile, fileIndex++);
  }
  if (held) return submitInline(submission as Submission, held);
  const last = files.finish();
  if (last) await submitFull(last, fileIndex);
}

async function failMissing(
  env: Env,
  row: OracleJobRow,
  chunk: readonly string[],
  texts: Map<string, ArticleText>,
) {
  const missing = chunk.filter((id) => !texts.has(id));
  if (missing.length === 0) return;
  await failUnsent(env, row.job_id, missing, {
    code: "oracle.article_missing",
    message: "the article was deleted after the job selected it",
  });
}

async function submitInline({ env, ai, row, filter, oracle }: Submission, texts: Map<string, ArticleText>) {
  const ids = [...texts.keys()];
  for (let i = 0; i < ids.length; i += BATCH_SIZE) {
    const present = ids.slice(i, i + BATCH_SIZE);
    const src = present.map((id) => {
      const { model: _model, ...request } = oracleRequest(filter, texts.get(id) as ArticleText, oracle);
      return { ...request, metadata: { key: id } };
    });
    const created = await ai.batches.create({
      model: row.model,
      src,
      config: { displayName: `distillery-${row.job_id}-${i / BATCH_SIZE}` },
    });
    const name = created.name ?? "";
    await registerBatch(env, row, {
      name,
      state: created.state ?? "submitted",
      ids: present,
      inlineIds: present,
    });
  }
}

/** Uploads one file and creates its batch; if either fails, the file's articles fail with the reason. */
async function submitFile({ env, ai, row }: Submission, file: BatchFile, index: number) {
  const displayName = `distillery-${row.job_id}-file-${index}`;
  let created: Awaited<ReturnType<GoogleGenAI["batches"]["create"]>>;
  try {
    const fileName = await uploadBatchFile(ai, file, displayName);
    created = await ai.batches.create({ model: row.model, src: fileName, config: { displayName } });
  } catch (error) {
    await failUnsubmittedFile(env, row.job_id, { ids: file.ids, displayName }, error);
    return;
  }
  const name = created.name ?? "";
  await registerBatch(env, row, { name, state: created.state ?? "submitted", ids: file.ids, inlineIds: [] });
}

/**
 * How long one cron run may spend polling and ingesting. The cron fires every minute, so a run ends
 * before the next one starts, and no run comes near the Workers CPU limit (30 s by default): a
 * 150,000-article job's 57 result files take many runs, each picking up where the last stopped.
 */
export const POLL_BUDGET_MS = 45_000;

/**
 * Polls the open batches once and ingests the results of those that finished, until `timeUp` (by
 * default after `POLL_BUDGET_MS`); a batch whose ingest was cut short is taken up again by the next
 * run. Returns how many batches were fully ingested.
 */
export async function pollBatches(env: Env, timeUp = timeBudget(POLL_BUDGET_MS)): Promise<number> {
  const open = await batchesToPoll(env, OPEN_STATES);
  if (open.length === 0) return 0;
  const settings = oracleSettings(env);
  const gemini = once(() => oracleGemini(settings).ai);
  const openai = once(() => openaiClient(settings.openai));
  let finished = 0;
  for (const batch of open) {
    if (timeUp()) break;
    const row = await getOracleJob(env, batch.job_id);
    if (!row) continue;
    const status =
      row.provider === "openai"
        ? await openaiBatchStatus(openai(), settings, batch.name)
        : await geminiBatchStatus(gemini(), settings, batch);
    const { state } = status;
    if (OPEN_STATES.includes(state)) {
      await env.DB.prepare("UPDATE oracle_batches SET state = ?1 WHERE name = ?2")
        .bind(state, batch.name)
        .run();
      continue;
    }
    if (!(await leaseIngest(env, batch.name, OPEN_STATES))) continue;
    const filter = await loadFilter(env, row.filter, row.filter_version);
    const ingest = {
      env,
      row,
      filter,
      oracle: rowOracle(row, filter),
      claimId: claimIdFor(batch.name),
      pending: await pendingOfBatch(env, row.job_id, batch.name),
      buffer: [],
      timeUp,
      cutShort: false,
    };
    try {
      const note = await status.ingest(ingest);
      if (ingest.cutShort) {
        await flush(ingest);
        await releaseIngest(env, batch.name, state);
        break;
      }
      await failUnanswered(ingest, state, note);
      await flush(ingest);
    } catch (error) {
      // The next cron run takes it over at once (what was recorded stays recorded), then the error
      // goes on to the cron's log.
      await releaseIngest(env, batch.name, state);
      throw error;
    }
    await env.DB.prepare("UPDATE oracle_batches SET state = ?1, finished_at = ?2 WHERE name = ?3")
      .bind(state, nowIso(), batch.name)
      .run();
    await settleJob(env, row.job_id);
    finished += 1;
  }
  return finished;
}

async function geminiBatchStatus(
  ai: GoogleGenAI,
  settings: OracleSettings,
  batch: { name: string; state: string },
): Promise<BatchStatus> {
  const status = await ai.batches.get({ name: batch.name });
  return {
    state: status.state ?? batch.state,
    async ingest(ingest) {
      let note = "";
      if (status.dest?.fileName) {
        const unreadable = await ingestResultsFile(ingest, settings, status.dest.fileName);
        if (unreadable > 0) note = ` (${unreadable} lines of its results file were not JSON)`;
      }
      for (const item of (status.dest?.inlinedResponses ?? []) as BatchAnswer[]) {
        if (!answerPending(ingest, item)) continue;
        if (pastDeadline(ingest)) break;
        await ingestAnswer(ingest, item);
      }
      return note;
    },
  };
}

/** A `timeUp` that turns true `ms` from now. */
function timeBudget(ms: number): () => boolean {
  const end = Date.now() + ms;
  return () => Date.now() >= end;
}

/** `make`'s value, made on the first call only: a cron run builds only the clients its batches need. */
function once<T>(make: () => T): () => T {
  let made: { value: T } | null = null;
  return () => {
    made ??= { value: make() };
    return made.value;
  };
}
