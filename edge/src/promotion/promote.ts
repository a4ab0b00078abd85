/**
 * @module
 * Promoting a model for its filter. Through the gate: the candidate and the promoted model (the
 * incumbent) are compared on the candidate's dataset's test split, with each one's latest succeeded
 * eval job there (`evidence.ts`); a refusal is 409 `promotion.refused` with the checks in `details`
 * and stores nothing. A filter's first model is promoted without a comparison. Past the gate: an admin
 * override, stored with its reason and written to the audit log as `promotion.override`.
 */
import {
  DistilleryError,
  type PromoteRequest,
  type PromotionComparison,
  type PromotionStatus,
  promotionGate,
} from "@distillery/shared";
import { eq } from "drizzle-orm";
import { recordAudit } from "../audit";
import type { AuthContext } from "../auth/tokens";
import { database } from "../db/client";
import { datasets, studentModels } from "../db/schema";
import type { Env } from "../env";
import { notFound } from "../errors";
import { loadFilter } from "../filters/store";
import { gateArticles, latestEvalJob } from "./evidence";
import { getPromotion, insertPromotion, listPromotions, type PromotionRow, toPromotion } from "./store";

/** A model row of `filter`, or 404 / 400 `promotion.wrong_filter` (a model scores its own filter only). */
export async function modelOfFilter(env: Env, filter: string, modelId: string) {
  const model = await database(env.DB)
    .select()
    .from(studentModels)
    .where(eq(studentModels.id, modelId))
    .get();
  if (!model) throw notFound("model", modelId);
  if (model.filter !== filter) {
    throw new DistilleryError(
      "promotion.wrong_filter",
      `model ${modelId} was trained for filter ${model.filter}, not ${filter}`,
      { details: [{ path: "model_id", issue: `a model of ${model.filter}` }] },
    );
  }
  return model;
}

/** Runs the gate for `candidate` against the filter's promoted model. */
async function compare(
  env: Env,
  filter: string,
  candidate: { id: string; dataset_id: string },
  incumbent: PromotionRow | null,
  policy: PromoteRequest["policy"],
): Promise<PromotionComparison> {
  const dataset = await database(env.DB)
    .select()
    .from(datasets)
    .where(eq(datasets.id, candidate.dataset_id))
    .get();
  if (!dataset) throw notFound("dataset", candidate.dataset_id);
  const filterPackage = await loadFilter(env, dataset.filter, dataset.filter_version);
  // The request's margin, else the one the team set in the filter, else the gate's default.
  policy = policy ?? filterPackage.promotion;
  if (!incumbent) {
    return promotionGate({
      filter: filterPackage,
      candidate_model_id: candidate.id,
      incumbent_model_id: null,
      articles: [],
      policy,
    });
  }
  const incumbentModel = await modelOfFilter(env, filter, incumbent.model_id);
  const evalJobIds = {
    candidate: await latestEvalJob(env, candidate, dataset.id, "candidate"),
    incumbent: await latestEvalJob(env, incumbentModel, dataset.id, "incumbent"),
  };
  return promotionGate({
    filter: filterPackage,
    candidate_model_id: candidate.id,
    incumbent_model_id: incumbent.model_id,
    articles: await gateArticles(env, dataset, evalJobIds),
    policy,
    eval_job_ids: evalJobIds,
  });
}

/**
 * What the gate would decide for `modelId` against the filter's promoted model now, storing nothing
 * (the eval summary's "better than production"). A model that is itself promoted compares with no one.
 */
export async function previewPromotion(
  env: Env,
  filter: string,
  modelId: string,
  policy?: PromoteRequest["policy"],
): Promise<PromotionComparison> {
  const model = await modelOfFilter(env, filter, modelId);
  const incumbent = await getPromotion(env, filter);
  return compare(env, filter, model, incumbent?.model_id === model.id ? null : incumbent, policy);
}

/**
 * Promotes `request.model_id` for `filter` if the gate lets it (or an admin overrides the gate), and
 * records it in the audit log. Returns the stored promotion row.
 */
export async function promote(
  env: Env,
  auth: AuthContext,
  filter: string,
  request: PromoteRequest,
): Promise<PromotionRow> {
  const model = await modelOfFilter(env, filter, request.model_id);
  const incumbent = await getPromotion(env, filter);
  if (incumbent?.model_id === model.id) {
    throw new DistilleryError(
      "promotion.already_promoted",
      `model ${model.id} is already the promoted model of ${filter}`,
      { status: 409, details: [{ path: "model_id", issue: "already promoted" }] },
    );
  }
  const db = database(env.DB);
  if (request.override) {
    if (auth.role !== "admin") {
      throw new DistilleryError(
        "auth.forbidden",
        "only an 'admin' token may promote past the gate (override)",
        {
          status: 403,
        },
      );
    }
    const row = await insertPromotion(env, {
      filter,
      model_id: model.id,
      token_id: auth.tokenId,
      override: true,
      reason: request.override.reason,
      comparison: null,
    });
    await recordAudit(db, auth, {
      action: "promotion.override",
      targetType: "filter",
      targetId: filter,
      details: { model_id: model.id, replaced: incumbent?.model_id ?? null, reason: request.override.reason },
    });
    return row;
  }
  const comparison = await compare(env, filter, model, incumbent, request.policy);
  if (comparison.decision === "refuse") {
    throw new DistilleryError("promotion.refused", comparison.summary, {
      status: 409,
      details:
        comparison.checks.length > 0
          ? comparison.checks.map((check) => ({ path: check.name, issue: check.explanation }))
          : [{ path: "model_id", issue: comparison.summary }],
    });
  }
  const row = await insertPromotion(env, {
    filter,
    model_id: model.id,
    token_id: auth.tokenId,
    override: false,
    reason: null,
    comparison,
  });
  await recordAudit(db, auth, {
    action: "promotion.promote",
    targetType: "filter",
    targetId: filter,
    details: { model_id: model.id, replaced: incumbent?.model_id ?? null, summary: comparison.summary },
  });
  return row;
}

/** The filter's promoted model and its promotion history, newest first. */
export async function promotionStatus(env: Env, filter: string): Promise<PromotionStatus> {
  await loadFilter(env, filter);
  const history = (await listPromotions(env, filter)).map(toPromotion);
  return { filter, current: history[0] ?? null, history };
}
