/**
 * @module
 * Ending drift audits: the cron looks at each running audit, and once its oracle job has ended (or
 * paused at its budget: what was labelled is the sample) computes the figures with the shared
 * `driftFigures` (predictions against the fresh labels, the eval's promises, the score distribution
 * against the previous period, the oracle re-asked), stores them, and publishes an alert when a figure
 * left its band.
 */
import {
  driftFigures,
  type FilterHealthFigures,
  type Metrics,
  metricsSchema,
  type ScoredPair,
} from "@distillery/shared";
import { eq } from "drizzle-orm";
import { database } from "../db/client";
import { oracleItems, studentModels } from "../db/schema";
import type { Env } from "../env";
import { loadFilter } from "../filters/store";
import { getJob, isTerminal } from "../jobs/index";
import { START_GRACE_MS } from "../oracle/jobs";
import { labelsFor } from "../oracle/label-reader";
import { getOracleJob, itemCounts } from "../oracle/store";
import { type DriftAlertPublisher, publishDriftAlert } from "./alert";
import { periodPredictions, seedOf } from "./predictions";
import { reaskEarlierLabels } from "./reask";
import { auditPeriods, auditSettingsOf } from "./settings";
import { failAudit, finishAudit, type HealthRow, healthSeries, runningAudits } from "./store";

/** Audits an alert's chart shows. */
const ALERT_HISTORY = 20;

async function promisedMetrics(env: Env, modelId: string): Promise<Metrics | null> {
  const model = await database(env.DB)
    .select()
    .from(studentModels)
    .where(eq(studentModels.id, modelId))
    .get();
  const parsed = metricsSchema.safeParse((model?.metrics as { eval?: unknown } | null)?.eval);
  return parsed.success ? parsed.data : null;
}

/** The audit job's sampled article ids and their labels under the job's key. */
async function freshLabels(
  env: Env,
  jobId: string,
  key: NonNullable<Awaited<ReturnType<typeof getOracleJob>>>,
) {
  const items = await database(env.DB)
    .select({ article_id: oracleItems.article_id })
    .from(oracleItems)
    .where(eq(oracleItems.job_id, jobId))
    .all();
  const ids = items.map((item) => item.article_id);
  const labels = await labelsFor(env, key, ids);
  return { drawn: ids.length, labels };
}

/** Computes and stores the figures of an audit whose oracle job has ended; returns them. */
export async function settleAudit(
  env: Env,
  row: HealthRow,
  publish: DriftAlertPublisher = publishDriftAlert,
): Promise<FilterHealthFigures | null> {
  const jobId = row.oracle_job_id!;
  const job = await getJob(env, jobId);
  const oracleJob = await getOracleJob(env, jobId);
  if (!oracleJob) {
    await failAudit(
      env,
      row.id,
      `oracle job ${jobId} ended (${job.state}) before labelling: ${job.error?.message ?? "no error recorded"}`,
    );
    return null;
  }
  const modelId = row.model_id!;
  const filter = await loadFilter(env, row.filter, row.filter_version);
  const settings = auditSettingsOf(await loadFilter(env, row.filter));
  const periods = auditPeriods(row.started_at, settings.every_days);
  const current = await periodPredictions(env, { filter: row.filter, model_id: modelId, ...periods.current });
  const previous = await periodPredictions(env, {
    filter: row.filter,
    model_id: modelId,
    ...periods.previous,
  });
  const { drawn, labels } = await freshLabels(env, jobId, oracleJob);
  const pairs: ScoredPair[] = current.flatMap((prediction) => {
    const label = labels.get(prediction.article_id);
    if (!label) return [];
    return [
      {
        oracle: label.scores,
        oracleCategories: label.categories,
        student: prediction.scores,
        studentCategories: prediction.categories,
      },
    ];
  });
  const promised = await promisedMetrics(env, modelId);
  const { spent_usd } = await itemCounts(env, jobId);
  const reask = await reaskEarlierLabels(env, {
    filter,
    job: oracleJob,
    before: row.started_at,
    count: settings.reask,
    seed: seedOf(`${row.id}:reask`),
    budgetLeftUsd: settings.budget_usd - spent_usd,
  });
  const figures = driftFigures({
    filter,
    bands: settings.bands,
    pairs,
    promised,
    current: current.map((p) => p.scores),
    previous: previous.map((p) => p.scores),
    reask: reask.pairs,
    reasons: {
      pairs: `the oracle labelled none of the ${drawn} sampled articles (oracle job ${jobId}: ${job.state})`,
      promised: `model ${modelId} has no eval metrics; evaluate it to compare against its promises`,
      previous: `${modelId} scored no article in the ${settings.every_days} days before this period`,
      ...(reask.reason ? { reask: reask.reason } : {}),
    },
  });
  const stored: FilterHealthFigures = {
    ...figures,
    period: periods.current,
    sample: { scored: current.length, drawn, labelled: pairs.length },
    cost_usd: Math.round((spent_usd + reask.cost_usd) * 1e6) / 1e6,
  };
  await finishAudit(env, row.id, stored);
  if (figures.alerts.length > 0) {
    const history = await healthSeries(env, row.filter, ALERT_HISTORY);
    const point = history.find((p) => p.id === row.id)!;
    await publish(env, { type: "filter.drift_alert", point, history });
  }
  return stored;
}

/** The cron's half that ends audits: each running audit whose oracle job is done. */
export async function settleRunningAudits(env: Env, publish: DriftAlertPublisher = publishDriftAlert) {
  const failures: unknown[] = [];
  for (const row of await runningAudits(env)) {
    try {
      if (!row.oracle_job_id) {
        // A start still creating its oracle job, or one cut off before it could record it.
        if (Date.now() - Date.parse(row.started_at) > START_GRACE_MS) {
          await failAudit(env, row.id, "the audit stopped before its oracle job was created");
        }
        continue;
      }
      const job = await getJob(env, row.oracle_job_id);
      if (isTerminal(job.state) || job.state === "paused") await settleAudit(env, row, publish);
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length > 0)
    throw new AggregateError(failures, `drift audit: ${failures.length} audit(s) failed to settle`);
}
