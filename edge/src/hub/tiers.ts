/**
 * @module
 * Tier counts of a scoring job's stored predictions: what a finished infer job reports, and what a
 * settled cascade recounts after the oracle replaced the doubtful ones (`finalize.ts`, `cascade.ts`).
 */
import type { FilterPackage } from "@distillery/shared";
import { eq, sql } from "drizzle-orm";
import { database } from "../db/client";
import { predictions } from "../db/schema";
import type { Env } from "../env";

/** How many of a job's predictions fall in each tier: every tier of the filter, best first, zeros included; predictions without a tier come last. */
export async function tierCounts(
  env: Env,
  jobId: string,
  filter: Pick<FilterPackage, "tiers">,
): Promise<Record<string, number>> {
  const tiers = await database(env.DB)
    .select({ tier: predictions.tier, count: sql<number>`count(*)` })
    .from(predictions)
    .where(eq(predictions.job_id, jobId))
    .groupBy(predictions.tier)
    .all();
  const counts: Record<string, number> = Object.fromEntries(filter.tiers.map((t) => [t.key, 0]));
  for (const t of tiers) counts[t.tier ?? "unscored"] = t.count;
  return counts;
}
