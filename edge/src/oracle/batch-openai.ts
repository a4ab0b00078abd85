/**
 * @module
 * Batch Mode through OpenAI's Batch API (half price), for `provider: openai` where `OPENAI_BATCH` says
 * the endpoint has one. Each input file (JSONL of `{ custom_id, method, url, body }`, the body built
 * as the interactive call builds it) is uploaded with purpose `batch` and becomes one batch; its
 * statuses are kept under the Gemini job-state names `oracle_batches.state` already speaks, so claims,
 * leases and end-state codes work alike. The output and error files are read line by line, each
 * line becoming the same `OracleCallResult` an interactive call would, at the batch price.
 */
import type { ArticleText, FilterPackage, ResolvedOracle } from "@distillery/shared";
import type OpenAI from "openai";
import { toFile } from "openai";
import type { Env } from "../env";
import { readOracleAnswer } from "./answer";
import { type BatchFile, jsonlLines } from "./batch-file";
import { type BatchIngest, type BatchStatus, ingestResult, pastDeadline } from "./batch-results";
import { failUnsubmittedFile, registerBatch } from "./batch-store";
import type { OracleCallResult } from "./call";
import type { OracleSettings } from "./config";
import { costUsd, NO_TOKENS, priceFor } from "./cost";
import { finishKind, openaiChatBody, openaiUsageTokens } from "./openai";
import { classifyFailure } from "./retry";
import type { OracleJobRow } from "./store";

const ENDPOINT = "/v1/chat/completions";

/** OpenAI's batch statuses under the names `oracle_batches.state` keeps (see batch-store.ts). */
const STATES: Record<string, string> = {
  validating: "JOB_STATE_PENDING",
  in_progress: "JOB_STATE_RUNNING",
  finalizing: "JOB_STATE_RUNNING",
  cancelling: "JOB_STATE_RUNNING",
  completed: "JOB_STATE_SUCCEEDED",
  failed: "JOB_STATE_FAILED",
  expired: "JOB_STATE_EXPIRED",
  cancelled: "JOB_STATE_CANCELLED",
};

/** A status we do not know yet is taken as still running: polled again, never ended early. */
const stateOf = (status: string) => STATES[status] ?? "JOB_STATE_RUNNING";

type Completion = OpenAI.Chat.Completions.ChatCompletion;

/** One line of an output or error file. */
type ResultLine = {
  custom_id?: string | null;
  response?: { status_code?: number; body?: unknown } | null;
  error?: { code?: string | null; message?: string | null } | null;
};

/** The JSONL line asking for one article's label. */
export function openaiBatchLine(
  settings: OracleSettings,
  filter: FilterPackage,
  article: ArticleText,
  oracle: ResolvedOracle,
  articleId: string,
) {
  const maxOutputTokens = oracle.max_output_tokens;
  const body = openaiChatBody(settings.openai, { filter, article, oracle, maxOutputTokens });
  return { custom_id: articleId, method: "POST", url: ENDPOINT, body };
}

/** Uploads one file and creates its batch; if either fails, the file's articles fail with the reason. */
export async function submitOpenAIFile(
  env: Env,
  client: OpenAI,
  row: OracleJobRow,
  file: BatchFile,
  index: number,
) {
  const displayName = `distillery-${row.job_id}-file-${index}`;
  let created: OpenAI.Batches.Batch;
  try {
    const blob = new Blob(file.parts, { type: "application/jsonl" });
    file.parts = [];
    const input = await client.files.create({
      file: await toFile(blob, `${displayName}.jsonl`),
      purpose: "batch",
    });
    created = await client.batches.create({
      input_file_id: input.id,
      endpoint: ENDPOINT,
      completion_window: "24h",
      metadata: { job_id: row.job_id },
    });
  } catch (error) {
    await failUnsubmittedFile(env, row.job_id, { ids: file.ids, displayName }, error);
    return;
  }
  const state = stateOf(created.status);
  await registerBatch(env, row, { name: created.id, state, ids: file.ids, inlineIds: [] });
}

/** The batch's state now, and how to ingest its output and error files once it has ended. */
export async function openaiBatchStatus(
  client: OpenAI,
  settings: OracleSettings,
  name: string,
): Promise<BatchStatus> {
  const batch = await client.batches.retrieve(name);
  return {
    state: stateOf(batch.status),
    async ingest(ingest) {
      let unreadable = 0;
      for (const fileId of [batch.output_file_id, batch.error_file_id]) {
        if (fileId && !ingest.cutShort) unreadable += await ingestFile(ingest, client, settings, fileId);
      }
      const why = batch.errors?.data?.[0]?.message;
      return `${why ? `: ${why}` : ""}${unreadable > 0 ? ` (${unreadable} lines of its results were not JSON)` : ""}`;
    },
  };
}

async function ingestFile(
  ingest: BatchIngest,
  client: OpenAI,
  settings: OracleSettings,
  fileId: string,
): Promise<number> {
  const response = await client.files.content(fileId);
  if (!response.body) return 0;
  let unreadable = 0;
  for await (const text of jsonlLines(response.body)) {
    let line: ResultLine;
    try {
      line = JSON.parse(text) as ResultLine;
    } catch {
      // Its article (unknown without the id) ends as a missing result, and the count is reported.
      unreadable += 1;
      continue;
    }
    const articleId = String(line.custom_id ?? "");
    // Lines recorded by an earlier, cut-short run are passed over cheaply; only recording spends time.
    if (!ingest.pending.has(articleId)) continue;
    if (pastDeadline(ingest)) break;
    await ingestResult(ingest, articleId, lineResult(ingest, settings, line));
  }
  return unreadable;
}

/** One result line as the outcome an interactive call would have had (no retry: a batch has none). */
function lineResult(ingest: BatchIngest, settings: OracleSettings, line: ResultLine): OracleCallResult {
  const { row, filter, oracle } = ingest;
  const status = line.response?.status_code ?? 0;
  const completion = status === 200 ? (line.response?.body as Completion | undefined) : undefined;
  const tokens = completion ? openaiUsageTokens(completion.usage ?? undefined) : NO_TOKENS;
  const base = {
    provider: row.provider,
    model: row.model,
    tokens,
    truncations: 0,
    cost_usd: costUsd(priceFor(settings.prices, row.model), tokens, "batch"),
    latency_ms: 0,
    attempts: 1,
  };
  if (!completion) {
    const body = line.response?.body as { error?: { message?: string } } | undefined;
    const message = body?.error?.message ?? line.error?.message ?? `the batch answered ${status}`;
    // A line refused without a response (malformed, unknown model) is a request the endpoint refused.
    const failure = classifyFailure({ status: status || 400, message });
    return { ...base, ok: false, code: failure.code, message: failure.message };
  }
  const choice = completion.choices?.[0];
  const finish = finishKind(choice?.finish_reason, choice?.message?.refusal);
  if (!choice || finish === "blocked") {
    const detail = choice?.message?.refusal ?? choice?.finish_reason ?? "no choice";
    return { ...base, ok: false, code: "oracle.safety_blocked", message: `blocked by openai: ${detail}` };
  }
  if (finish === "length") {
    // As in the interactive path, a cut answer is billed, never stored.
    const message = `the answer was cut at ${oracle.max_output_tokens} output tokens (${tokens.thinking} of them thinking)`;
    return { ...base, truncations: 1, ok: false, code: "oracle.truncated", message };
  }
  const answer = readOracleAnswer(filter, choice.message.content ?? "");
  return "code" in answer ? { ...base, ok: false, ...answer } : { ...base, ok: true, ...answer };
}
