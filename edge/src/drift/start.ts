/**
 * @module
 * Starting drift audits: for each filter with a promoted model and audits enabled, once per
 * `every_days`, claim the period's slot, draw `sample` of the articles the promoted model scored in the
 * period (seeded by the audit's id) and create an oracle job on them within `budget_usd`. A period in
 * which nothing was scored ends the audit at once, its figures null with that reason.
 */
import {
  type AuditSettings,
  DistilleryError,
  driftFigures,
  type FilterPackage,
  type OracleJobSpec,
} from "@distillery/shared";
import { eq } from "drizzle-orm";
import { database } from "../db/client";
import { studentModels } from "../db/schema";
import type { Env } from "../env";
import { listFilterSummaries, loadFilter } from "../filters/store";
import { createJob } from "../jobs/index";
import { getPromotion } from "../promotion/store";
import { drawSample, periodPredictions, seedOf } from "./predictions";
import { auditPeriods, auditSettingsOf, slotStart } from "./settings";
import { claimAudit, failAudit, finishAudit, type HealthRow, setAuditJob } from "./store";

export type StartOptions = {
  /** Start now whatever the last audit's time (an admin's `POST /audit`); a running audit still blocks. */
  force?: boolean;
  now?: number;
};

async function promotedModel(env: Env, filter: string) {
  const promotion = await getPromotion(env, filter);
  if (!promotion) return null;
  const model = await database(env.DB)
    .select()
    .from(studentModels)
    .where(eq(studentModels.id, promotion.model_id))
    .get();
  if (!model) {
    throw new DistilleryError(
      "model.not_found",
      `filter '${filter}' promotes model '${promotion.model_id}', which is not in the registry`,
      { status: 404 },
    );
  }
  return model;
}

/**
 * Starts an audit of `filterName` if its slot is free; returns its row, or null when another audit
 * holds the slot (or audits are off, unless forced).
 * @example
 * const row = await startAudit(env, "climate-policy", { force: true });
 */
export async function startAudit(
  env: Env,
  filterName: string,
  options: StartOptions = {},
): Promise<HealthRow | null> {
  const latest = await loadFilter(env, filterName);
  const settings = auditSettingsOf(latest);
  if (!settings.enabled && !options.force) return null;
  const model = await promotedModel(env, filterName);
  if (!model) {
    if (!options.force) return null;
    throw new DistilleryError(
      "drift.no_promoted_model",
      `filter '${filterName}' has no promoted model to audit; promote one first`,
      { status: 409 },
    );
  }
  const row = await claimAudit(env, {
    filter: filterName,
    filter_version: model.filter_version,
    model_id: model.id,
    notBefore: options.force ? null : slotStart(options.now ?? Date.now(), settings.every_days),
  });
  if (!row) return null;
  try {
    const filter = await loadFilter(env, filterName, model.filter_version);
    const period = auditPeriods(row.started_at, settings.every_days).current;
    const scored = await periodPredictions(env, { filter: filterName, model_id: model.id, ...period });
    if (scored.length === 0) {
      await finishEmpty(env, row, filter, settings, model.id);
      return row;
    }
    const ids = drawSample(
      scored.map((p) => p.article_id),
      settings.sample,
      seedOf(row.id),
    );
    const spec: OracleJobSpec = {
      kind: "oracle",
      filter: filterName,
      filter_version: model.filter_version,
      selection: { type: "audit", ids },
      mode: "interactive",
      budget_usd: settings.budget_usd,
      dry_run: false,
    };
    const job = await createJob(env, spec, { auth: null, createdBy: `system:drift-audit:${row.id}` });
    await setAuditJob(env, row.id, job.id);
    return { ...row, oracle_job_id: job.id };
  } catch (error) {
    await failAudit(env, row.id, error instanceof Error ? error.message : String(error));
    throw error;
  }
}

async function finishEmpty(
  env: Env,
  row: HealthRow,
  filter: FilterPackage,
  settings: AuditSettings,
  modelId: string,
) {
  const period = auditPeriods(row.started_at, settings.every_days).current;
  const nothing = `no article was scored by ${modelId} in the last ${settings.every_days} days`;
  const figures = driftFigures({
    filter,
    bands: settings.bands,
    pairs: [],
    promised: null,
    current: [],
    previous: [],
    reask: [],
    reasons: { pairs: nothing, current: nothing, reask: "nothing was audited" },
  });
  await finishAudit(env, row.id, {
    ...figures,
    period,
    sample: { scored: 0, drawn: 0, labelled: 0 },
    cost_usd: 0,
  });
}

/** The cron's half that starts audits: every filter whose audit is due. One filter's failure does not stop the others. */
export async function startDueAudits(env: Env, now = Date.now()): Promise<HealthRow[]> {
  const filters = await listFilterSummaries(env);
  const results = await Promise.allSettled(filters.map((f) => startAudit(env, f.name, { now })));
  const failures = results.flatMap((r) => (r.status === "rejected" ? [r.reason] : []));
  if (failures.length > 0)
    throw new AggregateError(failures, `drift audit: ${failures.length} filter(s) failed to start`);
  return results.flatMap((r) => (r.status === "fulfilled" && r.value ? [r.value] : []));
}
