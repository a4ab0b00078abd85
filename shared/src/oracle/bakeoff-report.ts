/**
 * @module
 * `bakeoffReport`: the bake-off's report from its answers, pure so it is tested without a database.
 * Pairs of oracles and an oracle against itself (replicate 0 against replicate 1) go through the one
 * metrics implementation (`computeMetrics`, `tierConfusion`, `postfilterPair`), with each side
 * capped by its own categories; only the signed bias and Pearson's correlation are added here.
 */
import { type PostfilterFilter, postfilter } from "../filter/postfilter";
import { computeMetrics, postfilterPair, type ScoredPair, tierConfusion } from "../metrics/index";
import {
  BAKEOFF_MAX_DISAGREEMENTS,
  type BakeoffDisagreement,
  type BakeoffOracleReport,
  type BakeoffPair,
  type BakeoffReport,
} from "./bakeoff";
import type { OracleProvider, Thinking } from "./models";

/** One item of the bake-off: an oracle's answer (or failure) for one article, first or repeated ask. */
export type BakeoffAnswer = {
  oracle: string;
  article_id: string;
  replicate: 0 | 1;
  state: "pending" | "done" | "failed";
  scores: Record<string, number> | null;
  categories: Record<string, string> | null;
  /** Failure code when failed. */
  reason: string | null;
  tokens: { input: number; output: number; thinking: number };
  /** What the answer cost (a reused label: its recorded cost). */
  cost_usd: number;
};

export type BakeoffReportInput = {
  filter: PostfilterFilter & { name: string; version: number };
  oracles: { name: string; provider: OracleProvider; model: string; thinking: Thinking | null }[];
  answers: readonly BakeoffAnswer[];
  /** Every sample article (passing the prefilter), with what the disagreement list and strata show. */
  articles: ReadonlyMap<string, { title: string; source: string; language: string }>;
  requested: number;
  budget_usd: number;
  spent_usd: number;
  stopped_reason?: string;
  banner?: string;
};

const round = (value: number) => Math.round(value * 10_000) / 10_000;
/** Dollars to a hundred-millionth: per-article costs of cheap models are fractions of a cent. */
const usd = (value: number) => Math.round(value * 1e8) / 1e8;
const mean = (values: readonly number[]) =>
  values.length ? values.reduce((s, v) => s + v, 0) / values.length : 0;

/** Pearson's correlation; null when undefined (fewer than 2 values, or a side with no variance). */
export function pearson(a: readonly number[], b: readonly number[]): number | null {
  if (a.length !== b.length) throw new RangeError(`pearson: lengths differ (${a.length} vs ${b.length})`);
  if (a.length < 2) return null;
  const ma = mean(a);
  const mb = mean(b);
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < a.length; i++) {
    cov += (a[i]! - ma) * (b[i]! - mb);
    va += (a[i]! - ma) ** 2;
    vb += (b[i]! - mb) ** 2;
  }
  if (va < 1e-12 || vb < 1e-12) return null;
  return Math.max(-1, Math.min(1, cov / Math.sqrt(va * vb)));
}

type Answered = { scores: Record<string, number>; categories: Record<string, string> };

/** Answers by oracle, then replicate, then article id. */
function index(answers: readonly BakeoffAnswer[]) {
  const byOracle = new Map<string, [Map<string, Answered>, Map<string, Answered>]>();
  for (const answer of answers) {
    if (answer.state !== "done" || !answer.scores) continue;
    let entry = byOracle.get(answer.oracle);
    if (!entry) {
      entry = [new Map(), new Map()];
      byOracle.set(answer.oracle, entry);
    }
    entry[answer.replicate].set(answer.article_id, {
      scores: answer.scores,
      categories: answer.categories ?? {},
    });
  }
  return byOracle;
}

function pairsOf(a: Map<string, Answered>, b: Map<string, Answered>): ScoredPair[] {
  return [...a.keys()]
    .filter((id) => b.has(id))
    .sort()
    .map((id) => ({
      oracle: a.get(id)!.scores,
      oracleCategories: a.get(id)!.categories,
      student: b.get(id)!.scores,
      studentCategories: b.get(id)!.categories,
    }));
}

function oracleFigures(
  input: BakeoffReportInput,
  oracle: BakeoffReportInput["oracles"][number],
  position: number,
  replicates: [Map<string, Answered>, Map<string, Answered>],
  missing: Record<string, string>,
): BakeoffOracleReport {
  const own = input.answers.filter((a) => a.oracle === oracle.name);
  const failedByReason: Record<string, number> = {};
  for (const answer of own.filter((a) => a.state === "failed")) {
    const reason = answer.reason ?? "unknown";
    failedByReason[reason] = (failedByReason[reason] ?? 0) + 1;
  }
  const labelled = replicates[0].size;
  const sampleCost = own
    .filter((a) => a.replicate === 0 && a.state === "done")
    .reduce((s, a) => s + a.cost_usd, 0);
  if (labelled === 0)
    missing[`oracles.${position}.usd_per_article`] = "this oracle labelled no article of the sample";
  const repeated = pairsOf(replicates[0], replicates[1]);
  let selfConsistency: BakeoffOracleReport["self_consistency"] = null;
  if (repeated.length === 0) {
    missing[`oracles.${position}.self_consistency`] =
      own.some((a) => a.replicate === 1) || labelled === 0
        ? "no article was answered twice by this oracle"
        : "repeat is 0: no article was asked twice";
  } else {
    const metrics = computeMetrics(input.filter, repeated);
    selfConsistency = {
      n: repeated.length,
      dimension_mae: {
        per_dimension: Object.fromEntries(
          Object.entries(metrics.per_dimension).map(([key, d]) => [key, round(d.mae)]),
        ),
        mean: round(metrics.dimension_mae),
      },
      overall_mae: round(metrics.overall_mae),
      tier_agreement: round(metrics.tier_agreement),
    };
  }
  return {
    name: oracle.name,
    provider: oracle.provider,
    model: oracle.model,
    thinking: oracle.thinking,
    labelled,
    failed: own.filter((a) => a.state === "failed").length,
    failed_by_reason: failedByReason,
    cost_usd: usd(own.reduce((s, a) => s + a.cost_usd, 0)),
    usd_per_article: labelled === 0 ? null : usd(sampleCost / labelled),
    tokens: {
      input: own.reduce((s, a) => s + a.tokens.input, 0),
      output: own.reduce((s, a) => s + a.tokens.output, 0),
      thinking: own.reduce((s, a) => s + a.tokens.thinking, 0),
    },
    self_consistency: selfConsistency,
  };
}

function pairFigures(
  filter: BakeoffReportInput["filter"],
  a: string,
  b: string,
  pairs: readonly ScoredPair[],
): BakeoffPair {
  const metrics = computeMetrics(filter, pairs);
  const dimensions = filter.dimensions.map(({ key }) => {
    const left = pairs.map((p) => p.oracle[key]!);
    const right = pairs.map((p) => p.student[key]!);
    const correlation = pearson(left, right);
    return {
      key,
      mae: round(metrics.per_dimension[key]?.mae ?? 0),
      bias: round(mean(left.map((v, i) => v - right[i]!))),
      correlation: correlation === null ? null : round(correlation),
    };
  });
  const overallDiffs = pairs.map((pair) => {
    const sides = postfilterPair(filter, pair);
    return sides.oracle.overall - sides.student.overall;
  });
  return {
    a,
    b,
    n: pairs.length,
    dimensions,
    overall_mae: round(metrics.overall_mae),
    overall_bias: round(mean(overallDiffs)),
    tier_agreement: round(metrics.tier_agreement),
    tier_confusion: tierConfusion(filter, pairs),
  };
}

/**
 * The bake-off report from its answers.
 * @example
 * const report = bakeoffReport({ filter, oracles, answers, articles, requested: 200, budget_usd: 5, spent_usd: 1.2 });
 * report.pairs[0].dimensions[0].bias; // mean of a − b on the first dimension
 */
export function bakeoffReport(input: BakeoffReportInput): BakeoffReport {
  const missing: Record<string, string> = {};
  const byOracle = index(input.answers);
  const replicatesOf = (name: string) => byOracle.get(name) ?? [new Map(), new Map()];
  const oracles = input.oracles.map((oracle, position) =>
    oracleFigures(input, oracle, position, replicatesOf(oracle.name), missing),
  );
  const pairs: BakeoffPair[] = [];
  for (let i = 0; i < input.oracles.length; i++) {
    for (let j = i + 1; j < input.oracles.length; j++) {
      const a = input.oracles[i]!.name;
      const b = input.oracles[j]!.name;
      const common = pairsOf(replicatesOf(a)[0], replicatesOf(b)[0]);
      if (common.length === 0) missing[`pairs.${a}|${b}`] = "no article was labelled by both oracles";
      else pairs.push(pairFigures(input.filter, a, b, common));
    }
  }
  const disagreements: (BakeoffDisagreement & { spread: number })[] = [];
  let labelledByAll = 0;
  for (const [id, article] of [...input.articles].sort(([x], [y]) => x.localeCompare(y))) {
    const answers: BakeoffDisagreement["answers"] = {};
    for (const { name } of input.oracles) {
      const answer = replicatesOf(name)[0].get(id);
      if (!answer) continue;
      const { overall, tier } = postfilter(input.filter, answer.scores, answer.categories);
      answers[name] = { tier, overall };
    }
    const given = Object.values(answers);
    if (given.length === input.oracles.length) labelledByAll += 1;
    if (new Set(given.map((g) => g.tier)).size > 1) {
      const overalls = given.map((g) => g.overall);
      const spread = Math.max(...overalls) - Math.min(...overalls);
      disagreements.push({ article_id: id, title: article.title, answers, spread });
    }
  }
  disagreements.sort((x, y) => y.spread - x.spread || x.article_id.localeCompare(y.article_id));
  const strata: Record<string, number> = {};
  for (const article of input.articles.values()) {
    const key = `${article.source}/${article.language}`;
    strata[key] = (strata[key] ?? 0) + 1;
  }
  return {
    filter: input.filter.name,
    filter_version: input.filter.version,
    budget_usd: input.budget_usd,
    spent_usd: usd(input.spent_usd),
    ...(input.stopped_reason ? { stopped_reason: input.stopped_reason } : {}),
    sample: {
      requested: input.requested,
      selected: input.articles.size,
      labelled_by_all: labelledByAll,
      strata,
    },
    oracles,
    pairs,
    disagreements: disagreements.slice(0, BAKEOFF_MAX_DISAGREEMENTS).map(({ spread: _, ...d }) => d),
    disagreements_total: disagreements.length,
    missing,
    ...(input.banner ? { banner: input.banner } : {}),
  };
}
