/**
 * @module
 * The promoted model of each filter: the newest `filter_promotions` row. Scoring jobs use it unless
 * told otherwise; the drift audit holds it to its eval's promises; the gate compares candidates with it.
 */
import { type Promotion, type PromotionComparison, promotionSchema } from "@distillery/shared";
import { desc, eq } from "drizzle-orm";
import { database } from "../db/client";
import { filterPromotions } from "../db/schema";
import type { Env } from "../env";

export type PromotionRow = typeof filterPromotions.$inferSelect;

/** The filter's promoted model (its newest promotion), or null when none was ever promoted. */
export async function getPromotion(env: Env, filter: string): Promise<PromotionRow | null> {
  const row = await database(env.DB)
    .select()
    .from(filterPromotions)
    .where(eq(filterPromotions.filter, filter))
    .orderBy(desc(filterPromotions.promoted_at), desc(filterPromotions.id))
    .get();
  return row ?? null;
}

/** The API shape of a promotion row (the token id stays internal: the audit log names the actor). */
export function toPromotion({ token_id: _token, ...row }: PromotionRow): Promotion {
  return promotionSchema.parse(row);
}

/** Every promotion of the filter, newest first (the first is the promoted model). */
export async function listPromotions(env: Env, filter: string): Promise<PromotionRow[]> {
  return database(env.DB)
    .select()
    .from(filterPromotions)
    .where(eq(filterPromotions.filter, filter))
    .orderBy(desc(filterPromotions.promoted_at), desc(filterPromotions.id))
    .all();
}

/** Stores a promotion: from now on `model_id` is the filter's promoted model. */
export async function insertPromotion(
  env: Env,
  promotion: {
    filter: string;
    model_id: string;
    token_id: string | null;
    override: boolean;
    reason: string | null;
    comparison: PromotionComparison | null;
  },
): Promise<PromotionRow> {
  return database(env.DB).insert(filterPromotions).values(promotion).returning().get();
}
