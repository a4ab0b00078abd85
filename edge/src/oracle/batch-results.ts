/**
 * @module
 * Ingesting a finished Batch Mode batch: each answer (inline, or one line of a results file) becomes
 * an outcome recorded through `recordOutcome`, at the batch price, only for articles of the batch
 * still pending (a repeated key, or a rerun after an interrupted ingest, never counts twice). Articles
 * left without an answer fail with a code that says why: the batch's end state, or
 * `oracle.batch_missing_result` when it succeeded without a line for them.
 */
import type { FilterPackage, ResolvedOracle } from "@distillery/shared";
import type { Env } from "../env";
import { readOracleAnswer } from "./answer";
import { batchResultLines } from "./batch-file";
import type { OracleCallResult } from "./call";
import { type OracleSettings, oracleSettings } from "./config";
import { costUsd, NO_TOKENS, priceFor, usageTokens } from "./cost";
import { classifyFailure } from "./retry";
import { labelKey, type OracleJobRow, type Outcome, recordOutcomes } from "./store";

/** One answer of a batch: inline (`metadata.key`) or a results-file line (`key`). */
export type BatchAnswer = {
  key?: string;
  metadata?: Record<string, unknown>;
  error?: { code?: number; message?: string };
  response?: {
    candidates?: { finishReason?: string; content?: { parts?: { text?: string }[] } }[];
    usageMetadata?: Parameters<typeof usageTokens>[0];
  };
};

/** Why an article of a batch that ended in `state` has no answer. */
const END_STATE_CODES: Record<string, { code: string }> = {
  JOB_STATE_SUCCEEDED: { code: "oracle.batch_missing_result" },
  JOB_STATE_FAILED: { code: "oracle.batch_failed" },
  JOB_STATE_CANCELLED: { code: "oracle.batch_cancelled" },
  JOB_STATE_EXPIRED: { code: "oracle.batch_expired" },
};

export type BatchIngest = {
  env: Env;
  row: OracleJobRow;
  filter: FilterPackage;
  claimId: string;
  oracle: ResolvedOracle;
  /** Article ids of the batch still pending; each is removed once its outcome is buffered. */
  pending: Set<string>;
  /** Outcomes not stored yet (see `flush`). */
  buffer: Outcome[];
  /** True once the cron run's time is up: reading stops, and the next run reads on (see `pastDeadline`). */
  timeUp: () => boolean;
  /** Set when the deadline stopped the reading: the batch is not fully ingested yet. */
  cutShort: boolean;
};

/**
 * True (and the ingest marked cut short) once the cron run's time is up. What was read is recorded;
 * the batch goes back to be ingested again, and its recorded articles are no longer pending, so the
 * next run reads past them without recording anything twice.
 */
export function pastDeadline(ingest: BatchIngest): boolean {
  if (!ingest.timeUp()) return false;
  ingest.cutShort = true;
  return true;
}

function answerResult(ingest: BatchIngest, item: BatchAnswer): OracleCallResult {
  const { env, row, filter } = ingest;
  const price = priceFor(oracleSettings(env).prices, row.model);
  const tokens = usageTokens(item.response?.usageMetadata);
  const base = {
    provider: row.provider,
    model: row.model,
    tokens,
    truncations: 0,
    cost_usd: costUsd(price, tokens, "batch"),
    latency_ms: 0,
    attempts: 1,
  };
  if (item.error) {
    const failure = classifyFailure({ status: item.error.code ?? 500, message: item.error.message ?? "" });
    return { ...base, ok: false, code: failure.code, message: failure.message };
  }
  const candidate = item.response?.candidates?.[0];
  if (!candidate || candidate.finishReason === "SAFETY") {
    return { ...base, ok: false, code: "oracle.safety_blocked", message: "blocked by Gemini" };
  }
  if (candidate.finishReason === "MAX_TOKENS") {
    // As in the interactive path, a cut answer is billed, never stored; a batch has no retry.
    const message = `the answer was cut at ${ingest.oracle.max_output_tokens} output tokens`;
    return { ...base, truncations: 1, ok: false, code: "oracle.truncated", message };
  }
  const answer = readOracleAnswer(filter, candidate.content?.parts?.map((p) => p.text ?? "").join("") ?? "");
  return "code" in answer ? { ...base, ok: false, ...answer } : { ...base, ok: true, ...answer };
}

/** A polled batch: its state (Gemini's job-state names) and, once ended, how to ingest its answers. */
export type BatchStatus = {
  state: string;
  /**
   * Records the batch's answers until the ingest's deadline (then `cutShort` is set); returns a note
   * for the articles it left unanswered.
   */
  ingest(ingest: BatchIngest): Promise<string>;
};

/** Outcomes waiting to be stored together (`recordOutcomes`); `flush` stores them. */
const BUFFER_OUTCOMES = 200;

async function record(ingest: BatchIngest, articleId: string, result: OracleCallResult) {
  const { row, filter, claimId } = ingest;
  ingest.pending.delete(articleId);
  ingest.buffer.push({
    filter,
    key: labelKey(row, articleId),
    jobId: row.job_id,
    claimId,
    mode: "batch",
    result,
  });
  if (ingest.buffer.length >= BUFFER_OUTCOMES) await flush(ingest);
}

/** Stores the buffered outcomes; call it before the ingest ends (and before settling the job). */
export async function flush(ingest: BatchIngest) {
  const outcomes = ingest.buffer.splice(0);
  if (outcomes.length > 0) await recordOutcomes(ingest.env, outcomes);
}

/** The article a Gemini answer is for: a file line's `key`, an inline answer's `metadata.key`. */
function answerKey(item: BatchAnswer): string {
  return String(item.key ?? item.metadata?.key ?? "");
}

/** True when the answer is for an article of the batch still pending (not unknown, not recorded). */
export function answerPending(ingest: BatchIngest, item: BatchAnswer): boolean {
  return ingest.pending.has(answerKey(item));
}

/** Records one Gemini answer if its article is still pending; false when it was not (unknown or repeated key). */
export async function ingestAnswer(ingest: BatchIngest, item: BatchAnswer): Promise<boolean> {
  const articleId = answerKey(item);
  if (!ingest.pending.has(articleId)) return false;
  await record(ingest, articleId, answerResult(ingest, item));
  return true;
}

/** Records a result already read (another provider's answer) if its article is still pending. */
export async function ingestResult(
  ingest: BatchIngest,
  articleId: string,
  result: OracleCallResult,
): Promise<boolean> {
  if (!ingest.pending.has(articleId)) return false;
  await record(ingest, articleId, result);
  return true;
}

/** Streams a results file line by line into outcomes, until the deadline; returns the lines that were not JSON. */
export async function ingestResultsFile(
  ingest: BatchIngest,
  settings: OracleSettings,
  fileName: string,
): Promise<number> {
  let unreadable = 0;
  for await (const line of batchResultLines(settings, fileName)) {
    let item: BatchAnswer;
    try {
      item = JSON.parse(line) as BatchAnswer;
    } catch {
      // Its article (unknown without the key) ends as a missing result, and the count is reported.
      unreadable += 1;
      continue;
    }
    // Lines recorded by an earlier, cut-short run are passed over cheaply; only recording spends time.
    if (!answerPending(ingest, item)) continue;
    if (pastDeadline(ingest)) break;
    await ingestAnswer(ingest, item);
  }
  return unreadable;
}

/** Fails every article still pending: the batch ended `state` without an answer for it. */
export async function failUnanswered(ingest: BatchIngest, state: string, note = "") {
  const { code } = END_STATE_CODES[state] ?? { code: "oracle.batch_failed" };
  for (const articleId of [...ingest.pending]) {
    await record(ingest, articleId, {
      ok: false,
      code,
      message: `the batch ended ${state} without an answer for this article${note}`,
      provider: ingest.row.provider,
      model: ingest.row.model,
      tokens: NO_TOKENS,
      truncations: 0,
      cost_usd: 0,
      latency_ms: 0,
      attempts: 1,
    });
  }
}
