/**
 * @module
 * Calibration at the edge: two labelings (models or prompt versions) of one filter version, compared
 * on the articles both labelled with the shared `calibrate`.
 *
 * @example
 * const report = await compareLabelings(env, { filter: "ai-policy", filter_version: 3,
 *   a: { model: "gemini-2.5-flash" }, b: { model: "gemini-2.5-pro" } });
 */
import { type CalibrationReport, calibrate, DistilleryError, type LabelingPair } from "@distillery/shared";
import { and, eq } from "drizzle-orm";
import { database } from "../db/client";
import { oracleLabels } from "../db/schema";
import type { Env } from "../env";
import { loadFilter } from "../filters/store";

type LabelingRef = { model?: string; prompt_hash?: string };

/** The comparison, or 409 `calibration.no_overlap` when no article is labelled by both sides. */
export async function compareLabelings(
  env: Env,
  request: { filter: string; filter_version?: number; a: LabelingRef; b: LabelingRef },
): Promise<CalibrationReport> {
  const filter = await loadFilter(env, request.filter, request.filter_version);
  const side = async (ref: LabelingRef) => {
    const conditions = [
      eq(oracleLabels.filter, filter.name),
      eq(oracleLabels.filter_version, filter.version),
    ];
    if (ref.model) conditions.push(eq(oracleLabels.model, ref.model));
    if (ref.prompt_hash) conditions.push(eq(oracleLabels.prompt_hash, ref.prompt_hash));
    const rows = await database(env.DB)
      .select()
      .from(oracleLabels)
      .where(and(...conditions))
      .all();
    return new Map(rows.map((r) => [r.article_id, r]));
  };
  const [a, b] = await Promise.all([side(request.a), side(request.b)]);
  const flat = (scores: unknown) =>
    Object.fromEntries(
      Object.entries(scores as Record<string, number | { score: number }>).map(([k, v]) => [
        k,
        typeof v === "number" ? v : v.score,
      ]),
    );
  const pairs: LabelingPair[] = [];
  for (const [id, left] of a) {
    const right = b.get(id);
    if (!right) continue;
    pairs.push({
      article_id: id,
      a: flat(left.scores),
      b: flat(right.scores),
      a_categories: left.categories as Record<string, string>,
      b_categories: right.categories as Record<string, string>,
    });
  }
  if (pairs.length === 0) {
    throw new DistilleryError("calibration.no_overlap", "no article is labelled by both sides", {
      status: 409,
      details: [{ path: "b", issue: "no labels in common with a" }],
    });
  }
  return calibrate(filter, pairs);
}
