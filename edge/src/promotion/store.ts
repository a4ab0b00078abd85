/**
 * @module
 * The promoted model of each filter: the newest `filter_promotions` row. Scoring jobs use it unless
 * told otherwise; the drift audit holds it to its eval's promises; the gate compares candidates with it.
 */
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
