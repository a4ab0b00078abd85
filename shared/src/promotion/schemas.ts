/**
 * @module
 * The promotion gate's shapes: the policy a team sets (what a candidate must show against the promoted
 * model), the comparison the gate returns (one check per rule, both figures side by side), the
 * `POST /v1/filters/{name}/promote` request, and a filter's promotion record and history. The edge
 * stores the comparison with the promotion; the CLI and the bot print it.
 */
import { z } from "zod";
import { idSchema, slugSchema, timestampSchema } from "../schemas/common";

/**
 * What a candidate must show against the promoted model, on the same randomly selected test labels.
 * `tier_agreement`: `not_lower` (the default) or a minimum gain; `dimension_mae`: `lower_by_se` (the
 * default: lower by more than the standard error of the paired per-article difference) or a minimum
 * reduction; `needle` (off unless set): top-tier recall not lower.
 */
export const promotionPolicySchema = z.strictObject({
  tier_agreement: z
    .union([z.literal("not_lower"), z.strictObject({ min_gain: z.number().min(-1).max(1) })])
    .default("not_lower"),
  dimension_mae: z
    .union([z.literal("lower_by_se"), z.strictObject({ min_gain: z.number().min(0) })])
    .default("lower_by_se"),
  /** Optional: the candidate must find at least as many of the oracle's top-tier articles (recall). */
  needle: z.strictObject({ top_tier_recall: z.literal("not_lower") }).optional(),
});
export type PromotionPolicy = z.infer<typeof promotionPolicySchema>;

/** One rule of the gate with both models' figures side by side (difference = candidate − incumbent). */
export const promotionCheckSchema = z.object({
  name: z.enum(["tier_agreement", "dimension_mae", "top_tier_recall"]),
  candidate: z.number(),
  incumbent: z.number(),
  difference: z.number(),
  /** Standard error of the mean paired per-article difference; null with fewer than two articles. */
  standard_error: z.number().nullable().optional(),
  pass: z.boolean(),
  explanation: z.string(),
});
export type PromotionCheck = z.infer<typeof promotionCheckSchema>;

export const promotionDecisionSchema = z.enum(["promote", "refuse"]);

/** The gate's answer: the decision, its checks, and which test articles it counted. */
export const promotionComparisonSchema = z.object({
  decision: promotionDecisionSchema,
  candidate_model_id: idSchema,
  /** The promoted model it was compared with; null for the filter's first model. */
  incumbent_model_id: idSchema.nullable(),
  policy: promotionPolicySchema,
  checks: z.array(promotionCheckSchema),
  /** Test articles both models predicted whose label was randomly selected: the ones compared. */
  n: z.number().int().min(0),
  /** Test articles left out because their label was chosen on purpose (uncertain, named, audit, unknown). */
  excluded_non_random: z.number().int().min(0),
  /** Test articles left out because one of the models has no prediction for them. */
  excluded_unpredicted: z.number().int().min(0),
  /** The eval jobs whose predictions were compared, when there was a comparison. */
  eval_job_ids: z.object({ candidate: idSchema, incumbent: idSchema }).nullable().default(null),
  /** One line for people: why promoted or refused. */
  summary: z.string(),
});
export type PromotionComparison = z.infer<typeof promotionComparisonSchema>;

export const promoteRequestSchema = z.strictObject({
  model_id: idSchema,
  /** Overrides the default policy for this request. */
  policy: promotionPolicySchema.optional(),
  /** Promote past the gate (admin tokens only); the reason goes to the promotion and the audit log. */
  override: z.strictObject({ reason: z.string().trim().min(1).max(1_000) }).optional(),
});
export type PromoteRequest = z.infer<typeof promoteRequestSchema>;

/** One promotion of a filter (the newest is the promoted model). */
export const promotionSchema = z.object({
  id: z.number().int(),
  filter: slugSchema,
  model_id: idSchema,
  promoted_at: timestampSchema,
  override: z.boolean(),
  reason: z.string().nullable(),
  /** The gate's evidence; null for an override that skipped it. */
  comparison: promotionComparisonSchema.nullable(),
});
export type Promotion = z.infer<typeof promotionSchema>;

/** `GET /v1/filters/{name}/promotion`: the promoted model and the history, newest first. */
export const promotionStatusSchema = z.object({
  filter: slugSchema,
  current: promotionSchema.nullable(),
  history: z.array(promotionSchema),
});
export type PromotionStatus = z.infer<typeof promotionStatusSchema>;

/** `POST /v1/filters/{name}/promote`'s answer: the stored promotion (its comparison included). */
export const promoteResultSchema = promotionSchema;
