/**
 * @module
 * Planning an oracle job before anything is spent: which articles the selection names (and how each
 * was chosen: the provenance its label keeps), which of them the prefilter blocks, which already have a label for this filter version and prompt hash
 * (skipped), and the estimate:
 * tokens from the rendered prompt (prefix once measured, article sizes from stored lengths),
 * dollars at the price table (without counting on the cache: an upper bound), minutes at the quota.
 */
import {
  type ArticleSelection,
  CHARS_PER_TOKEN,
  type FilterPackage,
  type LabelSelection,
  type OracleEstimate,
  type OracleSelection,
  plannedOutputTokens,
  plannedThinkingTokens,
  type ResolvedOracle,
  renderOraclePrompt,
} from "@distillery/shared";
import { and, asc, eq, gte, inArray, lte, type SQL } from "drizzle-orm";
import { database } from "../db/client";
import { articles, oracleItems } from "../db/schema";
import type { Env } from "../env";
import { costUsd, type PriceTable, priceFor } from "./cost";
import { prefilterArticles } from "./prefilter";
import type { LabelKey } from "./store";
import { selectUncertain } from "./uncertain";

/** Gemini 2.5 Flash caches a repeated prefix implicitly from this many tokens on. */
const IMPLICIT_CACHE_MIN_TOKENS = 1_024;
/** Articles decided per prefilter step of a sample walk. */
const SAMPLE_STEP = 200;
/** Characters of the article block besides title and body (labels, source, language). */
const ARTICLE_HEADER_CHARS = 60;

function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** The articles an oracle job names, in order, and how each was chosen (its label's provenance). */
export type SelectedArticles = { ids: string[]; selectionOf: Map<string, LabelSelection> };

/**
 * The articles an oracle selection names and how each was chosen: `random` for a sample or every
 * article, `named` for ids or a query, `audit` for a drift audit's sample, `uncertain` or `random` per
 * article for an uncertain selection
 * (which needs the label `key`, to leave out what this oracle labelled). `retryOf` replaces the selection
 * with an earlier job's failures, each keeping the provenance it had there.
 * @example
 * const { ids, selectionOf } = await selectArticles(env, filter, spec.selection, { key });
 */
export async function selectArticles(
  env: Env,
  filter: FilterPackage,
  selection: OracleSelection,
  options: { retryOf?: string; key: Omit<LabelKey, "article_id"> },
): Promise<SelectedArticles> {
  if (options.retryOf) {
    const rows = await database(env.DB)
      .select({ id: oracleItems.article_id, selection: oracleItems.selection })
      .from(oracleItems)
      .where(and(eq(oracleItems.job_id, options.retryOf), eq(oracleItems.state, "failed")))
      .orderBy(asc(oracleItems.article_id))
      .all();
    return {
      ids: rows.map((r) => r.id),
      selectionOf: new Map(rows.map((r) => [r.id, r.selection as LabelSelection])),
    };
  }
  if (selection.type === "uncertain") {
    const picks = await selectUncertain(env, filter, selection, options.key);
    const selectionOf = new Map<string, LabelSelection>();
    for (const id of picks.uncertain) selectionOf.set(id, "uncertain");
    for (const id of picks.random) selectionOf.set(id, "random");
    return { ids: [...selectionOf.keys()], selectionOf };
  }
  if (selection.type === "audit") {
    const ids = await selectArticleIds(env, filter, { type: "ids", ids: selection.ids });
    return { ids, selectionOf: new Map(ids.map((id) => [id, "audit" as const])) };
  }
  const ids = await selectArticleIds(env, filter, selection);
  const provenance: LabelSelection =
    selection.type === "ids" || selection.type === "query" ? "named" : "random";
  return { ids, selectionOf: new Map(ids.map((id) => [id, provenance])) };
}

/** The ids a selection names, in a stable order. `retryOf` replaces it with an earlier job's failures. */
export async function selectArticleIds(
  env: Env,
  filter: FilterPackage,
  selection: ArticleSelection,
  retryOf?: string,
): Promise<string[]> {
  const db = database(env.DB);
  if (retryOf) {
    const rows = await db
      .select({ id: oracleItems.article_id })
      .from(oracleItems)
      .where(and(eq(oracleItems.job_id, retryOf), eq(oracleItems.state, "failed")))
      .orderBy(asc(oracleItems.article_id))
      .all();
    return rows.map((r) => r.id);
  }
  if (selection.type === "ids") {
    const found = new Set<string>();
    for (let i = 0; i < selection.ids.length; i += 90) {
      const rows = await db
        .select({ id: articles.id })
        .from(articles)
        .where(inArray(articles.id, selection.ids.slice(i, i + 90)))
        .all();
      for (const row of rows) found.add(row.id);
    }
    return [...new Set(selection.ids)].filter((id) => found.has(id));
  }
  if (selection.type === "query" || selection.type === "all") {
    const conditions: SQL[] = [];
    if (selection.type === "query") {
      if (selection.source) conditions.push(eq(articles.source, selection.source));
      if (selection.language) conditions.push(eq(articles.language, selection.language));
      if (selection.since) conditions.push(gte(articles.published_at, selection.since));
      if (selection.until) conditions.push(lte(articles.published_at, selection.until));
    }
    const query = db
      .select({ id: articles.id })
      .from(articles)
      .where(and(...conditions))
      .orderBy(asc(articles.id));
    const rows =
      selection.type === "query" && selection.limit
        ? await query.limit(selection.limit).all()
        : await query.all();
    return rows.map((r) => r.id);
  }
  // sample: N articles that pass the prefilter (plus those blocked on the way), round-robin over
  // (source, language) groups, each
  // group in a seeded hash order; the prefilter runs lazily along that walk, so a sample of 500 from
  // a corpus of 150K decides a few hundred articles, not all of them.
  const candidates = await db
    .select({ id: articles.id, source: articles.source, language: articles.language })
    .from(articles)
    .orderBy(asc(articles.id))
    .all();
  const groups = new Map<string, string[]>();
  for (const row of candidates) {
    const key = `${row.source}\u0000${row.language}`;
    const group = groups.get(key);
    if (group) group.push(row.id);
    else groups.set(key, [row.id]);
  }
  const ordered = [...groups.keys()]
    .sort()
    .map((key) =>
      groups
        .get(key)!
        .sort((a, b) => hashString(`${selection.seed}:${a}`) - hashString(`${selection.seed}:${b}`)),
    );
  const walk: string[] = [];
  const longest = Math.max(0, ...ordered.map((group) => group.length));
  for (let round = 0; round < longest; round++) {
    for (const group of ordered) {
      const id = group[round];
      if (id !== undefined) walk.push(id);
    }
  }
  // The articles the walk passed over because the prefilter blocked them are part of the selection
  // too, so the job accounts for them (blocked, with the rule) instead of silently skipping them.
  const selected: string[] = [];
  let passed = 0;
  for (let i = 0; i < walk.length && passed < selection.count; i += SAMPLE_STEP) {
    const step = walk.slice(i, i + SAMPLE_STEP);
    const decisions = await prefilterArticles(env, filter, step);
    for (const id of step) {
      if (passed >= selection.count) break;
      selected.push(id);
      if (decisions.get(id)?.pass) passed++;
    }
  }
  return selected;
}

/** Tokens, dollars and minutes for labelling `toLabel` (ids), from stored article lengths. */
export async function estimateJob(
  env: Env,
  options: {
    filter: FilterPackage;
    oracle: ResolvedOracle;
    mode: "interactive" | "batch";
    promptHash: string;
    selected: number;
    /** Of `selected`, blocked by the prefilter: never sent, never paid. */
    blocked: number;
    toLabel: readonly string[];
    prices: PriceTable;
    rpm: number;
    tpm: number;
  },
): Promise<OracleEstimate> {
  const { filter, toLabel } = options;
  const prefixTokens = Math.ceil(
    renderOraclePrompt(filter, { title: "", body: "", language: "", source: "" }).prefix.length /
      CHARS_PER_TOKEN,
  );
  let articleChars = 0;
  const db = database(env.DB);
  for (let i = 0; i < toLabel.length; i += 90) {
    const rows = await db
      .select({ title: articles.title, body_chars: articles.body_chars, source: articles.source })
      .from(articles)
      .where(inArray(articles.id, toLabel.slice(i, i + 90)))
      .all();
    for (const row of rows) {
      articleChars +=
        row.title.length +
        row.source.length +
        ARTICLE_HEADER_CHARS +
        Math.min(row.body_chars, filter.oracle.max_article_chars);
    }
  }
  const n = toLabel.length;
  const input = n * prefixTokens + Math.ceil(articleChars / CHARS_PER_TOKEN);
  const { oracle } = options;
  const output = n * plannedOutputTokens(filter, oracle);
  const thinking = n * plannedThinkingTokens(oracle.thinking);
  const cached = prefixTokens >= IMPLICIT_CACHE_MIN_TOKENS ? Math.max(0, n - 1) * prefixTokens : 0;
  const price = priceFor(options.prices, oracle.model);
  const usd = costUsd(price, { input, cached: 0, output, thinking }, options.mode);
  const minutes = n === 0 ? 0 : Math.max(n / options.rpm, (input + output) / options.tpm);
  return {
    selected: options.selected,
    blocked_by_prefilter: options.blocked,
    already_labelled: options.selected - options.blocked - n,
    to_label: n,
    input_tokens: input,
    cached_tokens: cached,
    output_tokens: output,
    thinking_tokens: thinking,
    usd: Math.round(usd * 1e6) / 1e6,
    minutes: Math.round(minutes * 10) / 10,
    provider: oracle.provider,
    model: oracle.model,
    thinking: oracle.thinking,
    mode: options.mode,
    prompt_hash: options.promptHash,
  };
}
