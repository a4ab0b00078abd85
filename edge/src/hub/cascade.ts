/**
 * @module
 * The cascade scoring job: the student answers, the oracle settles doubt. When a scoring (infer) job
 * with `cascade` has stored every prediction, `startCascade` finds the doubtful ones (their conformal
 * interval of the overall score crosses a tier boundary of the model's filter; a prediction without an
 * interval is never doubtful) and creates one oracle job for exactly those articles through the normal
 * oracle path, within the cascade's budget. The scoring job stays `running` until that oracle job ends
 * (succeeds, pauses at its budget cap, fails or is cancelled); then `settleCascade` replaces the
 * doubtful predictions' scores, categories, overall and tier with the oracle's label (`source = 'oracle'`),
 * recounts the tiers and lets the scoring job succeed. Predictions the oracle did not answer keep the
 * student's answer, and the result says how many and why.
 *
 * Three paths settle a cascade, all idempotent (the replacement writes the same values again and the
 * final transition is compare-and-set, so a second settler gets a 409 and stops): the hub right after
 * finalizing (the oracle job may already have ended: every article already labelled), the oracle
 * stage when the oracle job ends (`settleCascadeOfOracleJob`), and the minute task
 * (`settleOpenCascades`), which also covers a worker restart, a lost message and a cancelled oracle job.
 * The `cascades` table lists the open ones.
 */
import {
  type CascadeSummary,
  cascadeSummarySchema,
  DistilleryError,
  doubtfulArticles,
  type FilterPackage,
  type InferJobSpec,
  type JobProgress,
} from "@distillery/shared";
import { and, eq, isNotNull, isNull } from "drizzle-orm";
import { database, nowIso } from "../db/client";
import { cascades } from "../db/schema";
import type { Env } from "../env";
import { loadFilter } from "../filters/store";
import { createJob, getJob, isTerminal, setJobResult, transitionJob } from "../jobs/index";
import { getOracleJob } from "../oracle/store";
import { loadModel } from "./context";
import { tierCounts } from "./tiers";

/** Labels written into predictions per statement (one JSON parameter each). */
const REPLACE_BATCH = 500;
/** Open cascades the minute task looks at per run. */
const SETTLE_PER_RUN = 50;

/**
 * Sends a finished scoring job's doubtful predictions to the oracle. Returns the cascade part of the
 * job's result: `state: "done"` when nothing is doubtful, `waiting` with the oracle job otherwise.
 * Running it again for the same job reuses the oracle job it created.
 */
export async function startCascade(
  env: Env,
  job: { id: string; spec: InferJobSpec },
  filter: Pick<FilterPackage, "name" | "version" | "tiers">,
): Promise<CascadeSummary> {
  const settings = job.spec.cascade;
  if (!settings) throw new DistilleryError("job.no_cascade", `job ${job.id} is not a cascade scoring job`);
  const rows = await env.DB.prepare(
    "SELECT article_id, interval_low AS lo, interval_high AS hi FROM predictions WHERE job_id = ?1 AND overall IS NOT NULL",
  )
    .bind(job.id)
    .all<{ article_id: string; lo: number | null; hi: number | null }>();
  const withInterval = rows.results.filter((r) => r.lo !== null && r.hi !== null);
  const doubtful = doubtfulArticles(
    filter,
    withInterval.map((r) => ({
      article_id: r.article_id,
      overall_interval: [r.lo!, r.hi!] as [number, number],
    })),
  );
  const summary: CascadeSummary = {
    coverage: settings.coverage,
    state: "done",
    doubtful: doubtful.length,
    without_interval: rows.results.length - withInterval.length,
    oracle_job_id: null,
    replaced: 0,
    not_replaced: {},
  };
  if (doubtful.length === 0) {
    return {
      ...summary,
      note:
        withInterval.length === 0 && rows.results.length > 0
          ? "no prediction carries a conformal interval (the model has no calibration): nothing sent to the oracle"
          : "no prediction is doubtful: nothing sent to the oracle",
    };
  }
  const db = database(env.DB);
  await db
    .insert(cascades)
    .values({ infer_job_id: job.id, coverage: settings.coverage, doubtful: doubtful.length })
    .onConflictDoNothing()
    .run();
  const existing = await db.select().from(cascades).where(eq(cascades.infer_job_id, job.id)).get();
  let oracleJobId = existing?.oracle_job_id ?? null;
  if (!oracleJobId) {
    const oracle = await createJob(
      env,
      {
        kind: "oracle",
        filter: filter.name,
        filter_version: filter.version,
        selection: { type: "ids", ids: doubtful },
        mode: "interactive",
        budget_usd: settings.budget_usd,
        dry_run: false,
      },
      { auth: null, createdBy: job.id },
    );
    oracleJobId = oracle.id;
    await db
      .update(cascades)
      .set({ oracle_job_id: oracleJobId })
      .where(eq(cascades.infer_job_id, job.id))
      .run();
  }
  return { ...summary, state: "waiting", oracle_job_id: oracleJobId };
}

/**
 * When a finished GPU job's result has a cascade still waiting on the oracle, keeps the job `running`
 * with that result and a progress message saying so (and settles it at once if the oracle job has
 * already ended). Returns false when there is nothing to wait for: the caller lets the job succeed.
 */
export async function holdForCascade(
  env: Env,
  jobId: string,
  result: Record<string, unknown>,
  progress: JobProgress,
): Promise<boolean> {
  const cascade = cascadeSummarySchema.safeParse(result.cascade);
  if (!cascade.success || cascade.data.state !== "waiting") return false;
  const { doubtful, oracle_job_id } = cascade.data;
  await setJobResult(env, jobId, result, {
    ...progress,
    message: `cascade: ${doubtful} doubtful articles sent to the oracle (job ${oracle_job_id})`,
  });
  await settleCascade(env, jobId);
  return true;
}

/**
 * Finishes a scoring job whose cascade oracle job has ended: replaces the doubtful predictions the
 * oracle labelled, recounts the tiers and lets the job succeed. Does nothing (and says why) while the
 * oracle job still runs or when the scoring job is not waiting on a cascade.
 */
export async function settleCascade(
  env: Env,
  inferJobId: string,
): Promise<"settled" | "waiting" | "not_waiting"> {
  const job = await getJob(env, inferJobId);
  const parsed = cascadeSummarySchema.safeParse(job.result?.cascade);
  if (job.state !== "running" || !parsed.success || parsed.data.state !== "waiting") {
    if (isTerminal(job.state)) {
      // A scoring job cancelled (or failed) while waiting: its oracle job need not spend any more.
      if (parsed.success && parsed.data.state === "waiting" && parsed.data.oracle_job_id)
        await cancelOracleJob(env, parsed.data.oracle_job_id);
      await markFinished(env, inferJobId);
    }
    return "not_waiting";
  }
  const cascade = parsed.data;
  const oracleJob = await getJob(env, cascade.oracle_job_id!);
  if (oracleJob.state === "queued" || oracleJob.state === "running") return "waiting";
  const row = await getOracleJob(env, oracleJob.id);
  const spec = job.spec as InferJobSpec;
  const model = await loadModel(env, spec.model_id);
  const filter = await loadFilter(env, model.filter, model.filter_version);
  if (row) await replaceWithLabels(env, inferJobId, row);
  const counts = await env.DB.prepare(
    `SELECT i.state AS state, i.reason AS reason, count(*) AS n,
       sum(CASE WHEN p.source = 'oracle' THEN 1 ELSE 0 END) AS replaced
     FROM oracle_items i JOIN predictions p ON p.job_id = ?1 AND p.article_id = i.article_id
     WHERE i.job_id = ?2 GROUP BY i.state, i.reason`,
  )
    .bind(inferJobId, oracleJob.id)
    .all<{ state: string; reason: string | null; n: number; replaced: number }>();
  const notReplaced: Record<string, number> = {};
  let replaced = 0;
  for (const c of counts.results) {
    replaced += c.replaced;
    const left = c.n - c.replaced;
    if (left === 0) continue;
    const why =
      c.state === "pending"
        ? oracleJob.state === "paused"
          ? "budget_cap"
          : `oracle_job_${oracleJob.state}`
        : (c.reason ?? c.state);
    notReplaced[why] = (notReplaced[why] ?? 0) + left;
  }
  const missing = cascade.doubtful - replaced - Object.values(notReplaced).reduce((a, b) => a + b, 0);
  if (missing > 0) notReplaced.not_sent = missing;
  const reasons = Object.entries(notReplaced).map(([why, n]) => `${n} ${why}`);
  const done: CascadeSummary = {
    ...cascade,
    state: "done",
    replaced,
    not_replaced: notReplaced,
    note:
      `${replaced} of ${cascade.doubtful} doubtful predictions replaced by the oracle (job ${oracleJob.id}, ${oracleJob.state})` +
      (reasons.length ? `; kept the student's answer: ${reasons.join(", ")}` : ""),
  };
  const total = job.progress.total ?? job.progress.done;
  try {
    await transitionJob(env, inferJobId, "succeeded", {
      result: { ...job.result, tier_counts: await tierCounts(env, inferJobId, filter), cascade: done },
      progress: {
        done: total,
        total,
        message: `cascade: ${replaced} of ${cascade.doubtful} replaced by the oracle`,
      },
    });
  } catch (error) {
    // Another settler (the hub, the oracle stage, the minute task) finished it first.
    if (!(error instanceof DistilleryError && error.status === 409)) throw error;
  }
  await markFinished(env, inferJobId);
  return "settled";
}

/** Writes the oracle's labels over the doubtful predictions it answered (same values on a rerun). */
async function replaceWithLabels(
  env: Env,
  inferJobId: string,
  oracle: { job_id: string; filter: string; filter_version: number; prompt_hash: string },
) {
  const labels = await env.DB.prepare(
    `SELECT l.article_id AS article_id, l.scores AS scores, l.categories AS categories, l.overall AS overall,
       l.tier AS tier
     FROM oracle_items i JOIN oracle_labels l ON l.article_id = i.article_id
       AND l.filter = ?2 AND l.filter_version = ?3 AND l.prompt_hash = ?4
     WHERE i.job_id = ?1`,
  )
    .bind(oracle.job_id, oracle.filter, oracle.filter_version, oracle.prompt_hash)
    .all<{
      article_id: string;
      scores: string;
      categories: string | null;
      overall: number | null;
      tier: string | null;
    }>();
  // A label stores `{ dim: { score, reason } }`; a prediction keeps scores and reasons apart.
  const rows = labels.results.map((l) => {
    const answer = JSON.parse(l.scores) as Record<string, { score: number; reason: string }>;
    return {
      a: l.article_id,
      s: Object.fromEntries(Object.entries(answer).map(([k, v]) => [k, v.score])),
      r: Object.fromEntries(Object.entries(answer).map(([k, v]) => [k, v.reason])),
      c: l.categories ? JSON.parse(l.categories) : null,
      o: l.overall,
      t: l.tier,
    };
  });
  const statements: D1PreparedStatement[] = [];
  for (let i = 0; i < rows.length; i += REPLACE_BATCH) {
    statements.push(
      env.DB.prepare(
        `UPDATE predictions SET scores = json_extract(j.value, '$.s'), reasons = json_extract(j.value, '$.r'),
           categories = json_extract(j.value, '$.c'), uncalibrated_scores = NULL,
           overall = json_extract(j.value, '$.o'), tier = json_extract(j.value, '$.t'), parse_status = NULL,
           source = 'oracle'
         FROM json_each(?2) AS j
         WHERE predictions.job_id = ?1 AND predictions.article_id = json_extract(j.value, '$.a')`,
      ).bind(inferJobId, JSON.stringify(rows.slice(i, i + REPLACE_BATCH))),
    );
  }
  if (statements.length) await env.DB.batch(statements);
}

async function cancelOracleJob(env: Env, oracleJobId: string) {
  if (isTerminal((await getJob(env, oracleJobId)).state)) return;
  await transitionJob(env, oracleJobId, "cancelled").catch((error: unknown) => {
    if (!(error instanceof DistilleryError && error.status === 409)) throw error;
  });
}

async function markFinished(env: Env, inferJobId: string) {
  await database(env.DB)
    .update(cascades)
    .set({ finished_at: nowIso() })
    .where(and(eq(cascades.infer_job_id, inferJobId), isNull(cascades.finished_at)))
    .run();
}

/** Called when an oracle job ends (or pauses): settles the scoring job whose cascade created it. */
export async function settleCascadeOfOracleJob(env: Env, oracleJobId: string): Promise<void> {
  const row = await database(env.DB)
    .select({ infer_job_id: cascades.infer_job_id })
    .from(cascades)
    .where(and(eq(cascades.oracle_job_id, oracleJobId), isNull(cascades.finished_at)))
    .get();
  if (row) await settleCascade(env, row.infer_job_id);
}

/** The minute task: settles every open cascade whose oracle job has ended. Returns those settled. */
export async function settleOpenCascades(env: Env): Promise<string[]> {
  const open = await database(env.DB)
    .select({ infer_job_id: cascades.infer_job_id })
    .from(cascades)
    .where(and(isNull(cascades.finished_at), isNotNull(cascades.oracle_job_id)))
    .limit(SETTLE_PER_RUN)
    .all();
  const settled: string[] = [];
  for (const { infer_job_id } of open) {
    if ((await settleCascade(env, infer_job_id)) === "settled") settled.push(infer_job_id);
  }
  return settled;
}
