/**
 * @module
 * How a bake-off ends: progress while items are pending; once none is (or the budget cap stops it),
 * the report from every answer (`bakeoffReport`) as the job's result. A bake-off with at least one
 * answer succeeds even when an oracle answered nothing (the report says which figures are missing
 * and why); one without any answer fails, with the report still attached.
 */
import { type BakeoffReport, bakeoffReport, DistilleryError } from "@distillery/shared";
import { inArray } from "drizzle-orm";
import { database } from "../db/client";
import { articles } from "../db/schema";
import type { Env } from "../env";
import { loadFilter } from "../filters/store";
import { getJob, transitionJob, updateJobProgress } from "../jobs/index";
import { standinBanner } from "../oracle/config";
import { type BakeoffJobRow, callsInFlight, getBakeoffJob, itemProgress, loadAnswers } from "./store";

async function articleFacts(env: Env, ids: readonly string[]) {
  const facts = new Map<string, { title: string; source: string; language: string }>();
  for (let i = 0; i < ids.length; i += 90) {
    const rows = await database(env.DB)
      .select({
        id: articles.id,
        title: articles.title,
        source: articles.source,
        language: articles.language,
      })
      .from(articles)
      .where(inArray(articles.id, ids.slice(i, i + 90)))
      .all();
    for (const { id, ...fact } of rows) facts.set(id, fact);
  }
  return facts;
}

/** The report over every answer so far. */
export async function bakeoffResult(
  env: Env,
  row: BakeoffJobRow,
  spentUsd: number,
  stoppedReason?: string,
): Promise<BakeoffReport> {
  const filter = await loadFilter(env, row.filter, row.filter_version);
  const answers = await loadAnswers(env, row.job_id);
  const sampleIds = [...new Set(answers.map((a) => a.article_id))];
  const standins = [...new Set(row.oracles.filter((o) => o.uses_standin).map((o) => o.provider))];
  return bakeoffReport({
    filter,
    oracles: row.oracles,
    answers,
    articles: await articleFacts(env, sampleIds),
    requested: row.requested,
    budget_usd: row.budget_usd,
    spent_usd: spentUsd,
    stopped_reason: stoppedReason,
    banner: standins.length ? standins.map(standinBanner).join(" ") : undefined,
  });
}

/** A stop at the cap, in words a user can act on. */
export function capReason(row: BakeoffJobRow): string {
  return `budget cap of $${row.budget_usd} reached: the report covers the answers given before it; create a larger bake-off to cover the rest`;
}

/**
 * Ends a running bake-off when nothing is pending, or, once the cap stopped it, when no call is in
 * flight any more (so the report counts every call paid for); publishes progress otherwise.
 */
export async function settleBakeoff(env: Env, jobId: string): Promise<void> {
  const row = await getBakeoffJob(env, jobId);
  const job = await getJob(env, jobId);
  if (!row || job.state !== "running") return;
  const progress = await itemProgress(env, jobId);
  const done = progress.done + progress.failed;
  const total = done + progress.pending;
  const stoppedReason = row.stopped_reason ?? undefined;
  const stopped = stoppedReason !== undefined && (await callsInFlight(env, jobId)) === 0;
  if (progress.pending > 0 && !stopped) {
    await updateJobProgress(env, jobId, {
      done,
      total,
      message: `${progress.done} answered, ${progress.failed} failed, $${progress.spent_usd.toFixed(4)} spent`,
    });
    return;
  }
  const result = await bakeoffResult(env, row, progress.spent_usd, stoppedReason);
  const ending =
    progress.done === 0
      ? transitionJob(env, jobId, "failed", {
          result,
          error: {
            code: "bakeoff.nothing_answered",
            message:
              stoppedReason ??
              `no oracle answered any article (${progress.failed} failed); see the report's failed_by_reason`,
          },
          progress: { done, total, message: "no answers" },
        })
      : transitionJob(env, jobId, "succeeded", {
          result,
          progress: { done, total, message: stoppedReason ? "stopped at the budget cap" : "finished" },
        });
  // Two consumers may settle the same job at once: the second finds it over (409).
  await ending.catch((error: unknown) => {
    if (!(error instanceof DistilleryError && error.status === 409)) throw error;
  });
}
