/**
 * @module
 * Oracle jobs: the hooks `createJob` runs (validate; start: plan, estimate, dry run, items, fan-out to
 * the `distillery-oracle` queue or submission to Gemini Batch Mode), resuming when the budget cap is
 * raised (`changeBudget`), and re-driving a job whose queue messages were lost. How a job ends (its
 * result, finishing, pausing at the cap) is `settle.ts`.
 */
import { DistilleryError, type Job, type JobSpec, type OracleJobSpec, promptHash } from "@distillery/shared";
import { and, eq } from "drizzle-orm";
import { edgeConfig } from "../config";
import { database } from "../db/client";
import { oracleItems, oracleJobs } from "../db/schema";
import type { Env } from "../env";
import { loadFilter } from "../filters/store";
import { getJob, transitionJob, updateJobProgress } from "../jobs/index";
import type { JobKindHooks } from "../jobs/kinds";
import { submitBatches } from "./batch";
import { jobOracle, oracleSettings, standinBanner, usesStandin } from "./config";
import { priceFor } from "./cost";
import { labelledIds } from "./label-reader";
import { estimateJob, selectArticles } from "./plan";
import { prefilterArticles } from "./prefilter";
import { oracleJobResult, settleJob } from "./settle";
import { getOracleJob, insertItems, itemCounts, type OracleJobRow, PREFILTER_REASON_PREFIX } from "./store";
import { checkUncertainSelection } from "./uncertain";

/** Enqueues one message per pending item (duplicates are harmless: each message re-checks). */
export async function enqueuePending(env: Env, jobId: string) {
  const pending = await database(env.DB)
    .select({ id: oracleItems.article_id })
    .from(oracleItems)
    .where(and(eq(oracleItems.job_id, jobId), eq(oracleItems.state, "pending")))
    .all();
  for (let i = 0; i < pending.length; i += 100) {
    await env.ORACLE_QUEUE.sendBatch(
      pending
        .slice(i, i + 100)
        .map((p) => ({ body: { type: "oracle.article" as const, job_id: jobId, article_id: p.id } })),
    );
  }
  return pending.length;
}

/** How long a start may run before a job with no article list is taken to have been cut off. */
export const START_GRACE_MS = 15 * 60_000;

/**
 * The stalled-work hook (`jobs/redrive.ts`): re-sends the pending items of an interactive job whose
 * queue messages were lost, then settles it (a job whose last items were done while its end was
 * lost finishes now). Re-sending is safe: each message re-checks the label key before any call is
 * paid for. A batch job's work is polled by the minute task anyway. A job whose start was cut off
 * before its items were written cannot resume and fails.
 */
async function redriveOracleJob(env: Env, job: Job): Promise<void> {
  const row = await getOracleJob(env, job.id);
  if (!row) {
    // A start that selects and prefilters a large corpus may still be running in its request: give it
    // the longest a request may reasonably take before calling it cut off.
    if (Date.now() - Date.parse(job.created_at) < START_GRACE_MS) return;
    await transitionJob(env, job.id, "failed", {
      error: {
        code: "oracle.start_interrupted",
        message: `job ${job.id} stopped before its articles were listed; create it again`,
      },
    });
    return;
  }
  if (row.mode === "interactive") await enqueuePending(env, job.id);
  await settleJob(env, job.id);
}

/** Sets a new budget cap; a job paused at its cap resumes when the new cap is above what it spent. */
export async function changeBudget(env: Env, jobId: string, budgetUsd: number): Promise<Job> {
  const job = await getJob(env, jobId);
  const row = await getOracleJob(env, jobId);
  if (job.kind !== "oracle" || !row) {
    throw new DistilleryError(
      "job.not_oracle",
      `job ${jobId} is a ${job.kind} job; only oracle jobs have a budget`,
      {
        status: 409,
        details: [{ path: "budget_usd", issue: "not an oracle job" }],
      },
    );
  }
  await database(env.DB)
    .update(oracleJobs)
    .set({ budget_usd: budgetUsd })
    .where(eq(oracleJobs.job_id, jobId))
    .run();
  const updated = { ...row, budget_usd: budgetUsd };
  const { spent_usd } = await itemCounts(env, jobId);
  if (job.state === "paused" && budgetUsd > spent_usd) {
    const resumed = await transitionJob(env, jobId, "running", {
      result: await oracleJobResult(env, updated),
    });
    if (updated.mode === "interactive") await enqueuePending(env, jobId);
    return resumed;
  }
  return job;
}

async function startOracleJob(env: Env, job: Job) {
  const spec = job.spec as OracleJobSpec;
  const settings = oracleSettings(env);
  const filter = await loadFilter(env, spec.filter, spec.filter_version);
  const oracle = jobOracle(filter, spec);
  priceFor(settings.prices, oracle.model);
  const hash = await promptHash(filter, oracle.model);
  const key = {
    filter: filter.name,
    filter_version: filter.version,
    prompt_hash: hash,
    provider: oracle.provider,
    model: oracle.model,
  };
  const { ids: selected, selectionOf } = await selectArticles(env, filter, spec.selection, {
    retryOf: spec.retry_failed_of,
    key,
  });
  // A rerun of failures only names articles that passed before; everything else meets the prefilter.
  const decisions = spec.retry_failed_of ? null : await prefilterArticles(env, filter, selected);
  const blocked = decisions ? selected.filter((id) => !decisions.get(id)?.pass) : [];
  const passed = decisions ? selected.filter((id) => decisions.get(id)?.pass) : selected;
  const labelled = await labelledIds(env, key, passed);
  const toLabel = passed.filter((id) => !labelled.has(id));
  const estimate = await estimateJob(env, {
    filter,
    oracle,
    mode: spec.mode,
    promptHash: hash,
    selected: selected.length,
    blocked: blocked.length,
    toLabel,
    prices: settings.prices,
    ...settings.quotas[oracle.provider],
  });
  const row: OracleJobRow = {
    job_id: job.id,
    filter: filter.name,
    filter_version: filter.version,
    prompt_hash: hash,
    provider: oracle.provider,
    model: oracle.model,
    thinking: oracle.thinking,
    max_output_tokens: oracle.max_output_tokens,
    mode: spec.mode,
    budget_usd: spec.budget_usd,
    uses_standin: usesStandin(settings, oracle.provider),
    estimate,
    created_at: job.created_at,
  };
  await transitionJob(env, job.id, "running");
  if (spec.dry_run) {
    await transitionJob(env, job.id, "succeeded", {
      result: {
        dry_run: true,
        estimate,
        ...(row.uses_standin ? { banner: standinBanner(oracle.provider) } : {}),
      },
      progress: { done: 0, total: 0, message: "dry run: nothing was sent to Gemini" },
    });
    return;
  }
  await database(env.DB).insert(oracleJobs).values(row).run();
  const selection = (id: string) => selectionOf.get(id) ?? "unknown";
  await insertItems(env, row, [
    ...toLabel.map((id) => ({
      article_id: id,
      state: "pending" as const,
      reason: null,
      selection: selection(id),
    })),
    ...[...labelled].map((id) => ({
      article_id: id,
      state: "skipped" as const,
      reason: "already_labelled",
      selection: selection(id),
    })),
    ...blocked.map((id) => ({
      article_id: id,
      state: "skipped" as const,
      reason: `${PREFILTER_REASON_PREFIX}${decisions?.get(id)?.rule ?? "blocked"}`,
      selection: selection(id),
    })),
  ]);
  await updateJobProgress(env, job.id, { done: labelled.size, total: selected.length, message: "labelling" });
  if (spec.mode === "batch") await submitBatches(env, row, filter, toLabel);
  else await enqueuePending(env, job.id);
  await settleJob(env, job.id);
}

/**
 * Batch Mode needs a provider batch API: Gemini's always, OpenAI's only where configuration says the
 * endpoint has it (DeepSeek, vLLM and Ollama speak the chat protocol but have no batches).
 */
function checkBatchProvider(env: Env, provider: string) {
  if (provider === "gemini" || (provider === "openai" && edgeConfig(env).OPENAI_BATCH)) return;
  const message =
    provider === "openai"
      ? "Batch Mode for provider openai needs OpenAI's Batch API: set OPENAI_BATCH=true when OPENAI_BASE_URL is OpenAI proper (DeepSeek, vLLM and Ollama have none); otherwise use mode 'interactive'"
      : "Batch Mode is available for Gemini and OpenAI oracles only; use mode 'interactive' with this provider";
  throw new DistilleryError("oracle.batch_unsupported", message, {
    details: [{ path: "mode", issue: `batch is not available for provider ${provider}` }],
  });
}

async function validateOracleJob(env: Env, spec: JobSpec) {
  if (spec.kind !== "oracle") return;
  const filter = await loadFilter(env, spec.filter, spec.filter_version);
  jobOracle(filter, spec);
  if (spec.selection.type === "uncertain") await checkUncertainSelection(env, filter, spec.selection);
  if (spec.mode === "batch") checkBatchProvider(env, spec.provider ?? filter.oracle.provider);
  if (spec.retry_failed_of) {
    const earlier = await getJob(env, spec.retry_failed_of);
    if (earlier.kind !== "oracle") {
      throw new DistilleryError("job.invalid_spec", `retry_failed_of names a ${earlier.kind} job`, {
        details: [{ path: "retry_failed_of", issue: "not an oracle job" }],
      });
    }
  }
}

export const oracleJobHooks: JobKindHooks = {
  validate: validateOracleJob,
  start: startOracleJob,
  redrive: redriveOracleJob,
};
