/**
 * @module
 * Active labelling (`{ type: "uncertain" }` selections): spend an oracle job on the articles where a
 * student is least sure, and keep a random share so the labels still describe the corpus. Candidates are
 * the articles the student scored in its infer jobs (its latest prediction of each) that this oracle has
 * not labelled; they rank by doubt: an interval that crosses a tier boundary first, then the widest
 * interval, then the largest predicted error scale, ties by id. The doubt picks come from the top five
 * times their number only (bounded work), the random share from every other unlabelled article in a
 * seeded order. Both pass the filter's prefilter, and no two picks are near-duplicate texts: a story
 * republished five times would otherwise take five labels where one teaches the same.
 */
import {
  crossesTierBoundary,
  DistilleryError,
  type FilterPackage,
  type NearDuplicateIndex,
  nearDuplicateIndex,
  seededRandom,
  type UncertainSelection,
} from "@distillery/shared";
import { asc, eq } from "drizzle-orm";
import { database } from "../db/client";
import { articles, studentModels } from "../db/schema";
import type { Env } from "../env";
import { labelledIds } from "./label-reader";
import { prefilterArticles } from "./prefilter";
import { type LabelKey, loadArticleTexts } from "./store";

/** How many ranked candidates per doubt pick are looked at (prefiltered, compared for near duplicates). */
const CANDIDATES_PER_PICK = 5;
/** Articles decided per step of the random walk. */
const RANDOM_STEP = 200;

/** One student prediction as the ranking reads it. */
export type DoubtRow = {
  article_id: string;
  interval_low: number | null;
  interval_high: number | null;
  overall_scale: number | null;
};

export type UncertainPicks = { uncertain: string[]; random: string[] };

/**
 * The ids of `rows` from most to least doubtful.
 * @example
 * rankByDoubt(filter, rows)[0] // an article whose interval crosses a tier boundary, the widest such
 */
export function rankByDoubt(filter: Pick<FilterPackage, "tiers">, rows: readonly DoubtRow[]): string[] {
  const keyed = rows.map((row) => {
    const interval =
      row.interval_low !== null && row.interval_high !== null
        ? ([row.interval_low, row.interval_high] as const)
        : null;
    return {
      id: row.article_id,
      crosses: interval ? crossesTierBoundary(filter, interval) : false,
      width: interval ? interval[1] - interval[0] : -1,
      scale: row.overall_scale ?? -1,
    };
  });
  keyed.sort(
    (a, b) =>
      Number(b.crosses) - Number(a.crosses) ||
      b.width - a.width ||
      b.scale - a.scale ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  return keyed.map((k) => k.id);
}

function invalidModel(modelId: string, issue: string): DistilleryError {
  return new DistilleryError("job.invalid_spec", `selection.model_id ${modelId}: ${issue}`, {
    details: [{ path: "selection.model_id", issue }],
  });
}

/** SQL of a student's latest infer predictions per article; `?1` the model, `?2`-`?6` the label key. */
const CANDIDATES_SQL = `SELECT p.article_id, p.interval_low, p.interval_high, p.overall_scale, p.created_at
  FROM predictions p JOIN jobs j ON j.id = p.job_id
  WHERE p.model_id = ?1 AND j.kind = 'infer' AND coalesce(p.source, 'student') = 'student'
    AND NOT EXISTS (SELECT 1 FROM oracle_labels l WHERE l.article_id = p.article_id AND l.filter = ?2
      AND l.filter_version = ?3 AND l.prompt_hash = ?4 AND l.provider = ?5 AND l.model = ?6)`;

/**
 * Refuses (400 naming `selection.model_id`) a model that does not exist for this filter, or that has no
 * scored articles with conformal intervals to rank: without them doubt cannot be measured.
 */
export async function checkUncertainSelection(
  env: Env,
  filter: Pick<FilterPackage, "name">,
  selection: UncertainSelection,
): Promise<void> {
  const model = await database(env.DB)
    .select({ filter: studentModels.filter })
    .from(studentModels)
    .where(eq(studentModels.id, selection.model_id))
    .get();
  if (!model) {
    throw new DistilleryError("model.not_found", `model ${selection.model_id} does not exist`, {
      status: 404,
      details: [{ path: "selection.model_id", issue: "not found" }],
    });
  }
  if (model.filter !== filter.name) {
    throw invalidModel(selection.model_id, `is a student of filter ${model.filter}, not ${filter.name}`);
  }
  const scored = await env.DB.prepare(
    `SELECT count(*) AS n, count(p.interval_low) AS with_interval
     FROM predictions p JOIN jobs j ON j.id = p.job_id WHERE p.model_id = ?1 AND j.kind = 'infer'`,
  )
    .bind(selection.model_id)
    .first<{ n: number; with_interval: number }>();
  if (!scored?.n) {
    throw invalidModel(selection.model_id, "has scored no articles yet: run an infer job with it first");
  }
  if (!scored.with_interval) {
    throw invalidModel(
      selection.model_id,
      "its predictions have no intervals (a model without conformal calibration): doubt cannot be ranked",
    );
  }
}

/** The student's ranked candidates: its latest prediction per article not yet labelled under `key`. */
async function rankedCandidates(
  env: Env,
  filter: FilterPackage,
  modelId: string,
  key: Omit<LabelKey, "article_id">,
): Promise<string[]> {
  const { results } = await env.DB.prepare(CANDIDATES_SQL)
    .bind(modelId, key.filter, key.filter_version, key.prompt_hash, key.provider, key.model)
    .all<DoubtRow & { created_at: string }>();
  const latest = new Map<string, DoubtRow & { created_at: string }>();
  for (const row of results) {
    const seen = latest.get(row.article_id);
    if (!seen || seen.created_at < row.created_at) latest.set(row.article_id, row);
  }
  return rankByDoubt(filter, [...latest.values()]);
}

/** Of `ids` in order, up to `want` that pass the prefilter and are no near duplicate of a pick so far. */
async function takeDistinct(
  env: Env,
  filter: FilterPackage,
  ids: readonly string[],
  want: number,
  seen: NearDuplicateIndex,
): Promise<string[]> {
  if (want <= 0 || ids.length === 0) return [];
  const decisions = await prefilterArticles(env, filter, ids);
  const passing = ids.filter((id) => decisions.get(id)?.pass);
  const texts = await loadArticleTexts(env, passing);
  const picked: string[] = [];
  for (const id of passing) {
    if (picked.length >= want) break;
    const text = texts.get(id);
    if (text && seen.add(`${text.title}\n${text.body}`)) picked.push(id);
  }
  return picked;
}

/**
 * The articles an uncertain selection names: the doubt picks in rank order, then the random share.
 * @example
 * const { uncertain, random } = await selectUncertain(env, filter, selection, key);
 */
export async function selectUncertain(
  env: Env,
  filter: FilterPackage,
  selection: UncertainSelection,
  key: Omit<LabelKey, "article_id">,
): Promise<UncertainPicks> {
  await checkUncertainSelection(env, filter, selection);
  const randomCount = Math.round(selection.count * selection.random_share);
  const doubtCount = selection.count - randomCount;
  const seen = nearDuplicateIndex();
  const ranked = await rankedCandidates(env, filter, selection.model_id, key);
  const uncertain = await takeDistinct(
    env,
    filter,
    ranked.slice(0, doubtCount * CANDIDATES_PER_PICK),
    doubtCount,
    seen,
  );

  const taken = new Set(uncertain);
  const rows = await database(env.DB)
    .select({ id: articles.id })
    .from(articles)
    .orderBy(asc(articles.id))
    .all();
  const walk = rows.map((r) => r.id).filter((id) => !taken.has(id));
  const random = seededRandom(selection.seed);
  for (let i = walk.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [walk[i], walk[j]] = [walk[j]!, walk[i]!];
  }
  const randomPicks: string[] = [];
  for (let i = 0; i < walk.length && randomPicks.length < randomCount; i += RANDOM_STEP) {
    const step = walk.slice(i, i + RANDOM_STEP);
    const labelled = await labelledIds(env, key, step);
    const fresh = step.filter((id) => !labelled.has(id));
    randomPicks.push(...(await takeDistinct(env, filter, fresh, randomCount - randomPicks.length, seen)));
  }
  return { uncertain, random: randomPicks };
}
