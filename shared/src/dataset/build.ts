/**
 * @module
 * The dataset builder shared by the edge (`POST /v1/datasets`) and the file-based `distill` command:
 * from a filter version's oracle labels, drop empty texts and near duplicates (one article per group
 * is kept, so no story sits in two splits), then split 80/10/10 stratified by tier, or by overall-score
 * bins when some tier is too small to reach every split. Only randomly selected labels (`random`, and
 * `unknown`: older labels whose provenance was not kept, taken as random so existing datasets stay as they
 * were, with a warning) may enter the test split, at the test share of each stratum's random labels, so the
 * test measures the corpus and not a student's doubts; labels chosen by uncertainty, by name or by an
 * audit train and validate only. Deterministic for a given seed and input (the input order does not
 * matter). Returns the rows, the validation report and a content hash.
 */

import { type PostfilterFilter, postfilter } from "../filter/postfilter";
import { sha256Hex } from "../hash/index";
import { seededRandom } from "../random";
import type { DatasetReport, DatasetRow, SplitName } from "../schemas/dataset";
import type { LabelSelection } from "../schemas/label";
import {
  DEFAULT_NEAR_DUPLICATE_OPTIONS,
  type NearDuplicateOptions,
  nearDuplicateGroups,
} from "./near-duplicates";

/** One labelled article, as the builder reads it. */
export type DatasetLabel = {
  article: { id: string; title: string; body: string; language: string; source: string; url?: string };
  scores: Record<string, number | { score: number; reason?: string }>;
  categories?: Record<string, string>;
  /** How the article was chosen for labelling; `unknown` when not given. */
  selection?: LabelSelection;
};

/** Selections whose labels may be tested on: a random draw from the corpus (or, for old labels, presumed one). */
export const TESTABLE_SELECTIONS: readonly LabelSelection[] = ["random", "unknown"];

export type BuildDatasetOptions = {
  seed: number;
  /** Shares of train, validation, test. */
  ratios?: [number, number, number];
  /** A tier with fewer articles than this makes the split fall back to score bins. */
  minPerStratum?: number;
  nearDuplicates?: NearDuplicateOptions;
};

export type BuiltDataset = { rows: DatasetRow[]; report: DatasetReport; content_hash: string };

const SPLITS: SplitName[] = ["train", "validation", "test"];
const SCORE_BIN_WIDTH = 2.5;

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** Split sizes for `n` items: largest remainders, so they add up to `n`. */
function splitSizes(n: number, ratios: [number, number, number]): number[] {
  const total = ratios.reduce((a, b) => a + b, 0);
  const exact = ratios.map((r) => (n * r) / total);
  const sizes = exact.map(Math.floor);
  const order = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((a, b) => b[0] - a[0]);
  for (let k = 0; k < n - sizes.reduce((a, b) => a + b, 0); k++) sizes[order[k]![1]]! += 1;
  return sizes;
}

/**
 * Assigns one stratum's shuffled rows to splits. The test split takes the last test share of the rows
 * that may be tested on; validation then takes its share of the whole stratum from what is left, after
 * train. When every row may be tested on this is the plain 80/10/10 cut of the shuffled stratum.
 */
function assignSplits(
  members: DatasetRow[],
  ratios: [number, number, number],
  selectionOf: ReadonlyMap<string, LabelSelection>,
) {
  const testable = members.filter((row) => TESTABLE_SELECTIONS.includes(selectionOf.get(row.article_id)!));
  const test = new Set(testable.slice(testable.length - splitSizes(testable.length, ratios)[2]!));
  const rest = members.filter((row) => !test.has(row));
  const validationSize = Math.min(rest.length, splitSizes(members.length, ratios)[1]!);
  rest.forEach((row, i) => {
    row.split = i < rest.length - validationSize ? "train" : "validation";
  });
  for (const row of test) row.split = "test";
}

/**
 * Builds a dataset from labels.
 * @example
 * const { rows, report } = await buildDataset(filter, labels, { seed: 42 });
 */
export async function buildDataset(
  filter: PostfilterFilter,
  labels: readonly DatasetLabel[],
  options: BuildDatasetOptions,
): Promise<BuiltDataset> {
  const ratios = options.ratios ?? [0.8, 0.1, 0.1];
  const minPerStratum = options.minPerStratum ?? 10;
  const warnings: string[] = [];
  const sorted = [...labels].sort((a, b) =>
    a.article.id < b.article.id ? -1 : a.article.id > b.article.id ? 1 : 0,
  );

  const nonEmpty = sorted.filter((l) => `${l.article.title}${l.article.body}`.trim() !== "");
  const emptyTexts = sorted.length - nonEmpty.length;
  const groups = nearDuplicateGroups(
    nonEmpty.map((l) => `${l.article.title}\n${l.article.body}`),
    options.nearDuplicates ?? DEFAULT_NEAR_DUPLICATE_OPTIONS,
  );
  const dropped = new Set<number>();
  for (const group of groups) for (const index of group.slice(1)) dropped.add(index);
  const kept = nonEmpty.filter((_, i) => !dropped.has(i));
  const selectionOf = new Map<string, LabelSelection>(
    kept.map((label) => [label.article.id, label.selection ?? "unknown"]),
  );

  const rows: DatasetRow[] = kept.map((label) => {
    const scores: Record<string, number> = {};
    const reasons: Record<string, string> = {};
    for (const [key, value] of Object.entries(label.scores)) {
      scores[key] = typeof value === "number" ? value : value.score;
      if (typeof value === "object" && value.reason) reasons[key] = value.reason;
    }
    const categories = label.categories ?? {};
    const { overall, tier } = postfilter(filter, scores, categories);
    const { id, title, body, language, source, url } = label.article;
    return {
      article_id: id,
      split: "train",
      title,
      body,
      language,
      source,
      url: url ?? "",
      scores,
      reasons,
      categories,
      overall,
      tier,
    };
  });

  const tierCounts = new Map<string, number>();
  for (const row of rows) tierCounts.set(row.tier, (tierCounts.get(row.tier) ?? 0) + 1);
  const smallTiers = [...tierCounts].filter(([, n]) => n < minPerStratum).map(([tier]) => tier);
  const stratifiedBy: DatasetReport["stratified_by"] = smallTiers.length === 0 ? "tier" : "score_bin";
  if (smallTiers.length > 0) {
    warnings.push(
      `tier(s) ${smallTiers.join(", ")} have fewer than ${minPerStratum} articles: stratified by score bins instead`,
    );
  }
  const strata = new Map<string, DatasetRow[]>();
  for (const row of rows) {
    const key =
      stratifiedBy === "tier" ? row.tier : String(Math.min(3, Math.floor(row.overall / SCORE_BIN_WIDTH)));
    const stratum = strata.get(key);
    if (stratum) stratum.push(row);
    else strata.set(key, [row]);
  }
  const random = seededRandom(options.seed);
  for (const key of [...strata.keys()].sort())
    assignSplits(shuffle(strata.get(key)!, random), ratios, selectionOf);

  const splitCounts = { train: 0, validation: 0, test: 0 } as Record<SplitName, number>;
  const testBySelection: Record<string, number> = {};
  for (const row of rows) {
    splitCounts[row.split] += 1;
    if (row.split !== "test") continue;
    const selection = selectionOf.get(row.article_id)!;
    testBySelection[selection] = (testBySelection[selection] ?? 0) + 1;
  }
  const testable = rows.filter((row) =>
    TESTABLE_SELECTIONS.includes(selectionOf.get(row.article_id)!),
  ).length;
  if (testable === 0 && rows.length > 0) {
    warnings.push(
      "no randomly selected labels: the test split is empty (label a random sample to get an honest test)",
    );
  }
  for (const split of SPLITS) if (splitCounts[split] === 0) warnings.push(`the ${split} split is empty`);
  if (testBySelection.unknown) {
    warnings.push(
      `${testBySelection.unknown} test label(s) have unknown provenance (labelled before selections were recorded): taken as random`,
    );
  }

  const dimensions: DatasetReport["dimensions"] = {};
  for (const { key } of filter.dimensions) {
    const values = rows.map((r) => r.scores[key]).filter((v): v is number => typeof v === "number");
    const mean = values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
    const variance = values.length ? values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length : 0;
    dimensions[key] = {
      min: values.length ? Math.min(...values) : 0,
      max: values.length ? Math.max(...values) : 0,
      mean: Math.round(mean * 1000) / 1000,
      variance: Math.round(variance * 1000) / 1000,
    };
    if (values.length > 1 && variance < 0.5) {
      warnings.push(`dimension '${key}' barely varies (variance ${variance.toFixed(2)}): little to learn`);
    }
  }
  const languages: Record<string, number> = {};
  for (const row of rows) languages[row.language] = (languages[row.language] ?? 0) + 1;
  const tiers: Record<string, number> = {};
  for (const tier of filter.tiers) tiers[tier.key] = tierCounts.get(tier.key) ?? 0;

  const report: DatasetReport = {
    total: rows.length,
    splits: splitCounts,
    stratified_by: stratifiedBy,
    near_duplicates_removed: dropped.size,
    empty_texts: emptyTexts,
    dimensions,
    tiers,
    languages,
    test_by_selection: testBySelection,
    warnings,
  };
  const content_hash = await sha256Hex(rows.map((r) => JSON.stringify(r)).join("\n"));
  return { rows, report, content_hash };
}

/** The rows of one split as JSONL (one `datasetRowSchema` object per line). */
export function rowsToJsonl(rows: readonly DatasetRow[], split?: SplitName): string {
  return rows
    .filter((row) => !split || row.split === split)
    .map((row) => `${JSON.stringify(row)}\n`)
    .join("");
}
