/**
 * @module
 * Turns one scored record into a `LabelRecord`. Two shapes are accepted:
 * - LLM Distillery's: the article's fields (`id`, `title`, `content`, `url`, `source`, `language`,
 *   `published_date`…) plus an analysis object named `<filter>_analysis` (or `analysis`) whose
 *   dimensions are numbers or `{score, reasoning | evidence | reason}`, sometimes repeated under
 *   `dimensions`; the oracle is named by `analyzed_by`;
 * - ours: a line of `distillery import labels --out` (`{article, label}`), so a later command can take
 *   either.
 * A record that cannot be imported throws a `DistilleryError` whose `code` says why
 * (`label.no_analysis`, `label.dimension_missing`, `label.score_invalid`, `label.article_invalid`,
 * `label.other_filter`, `label.invalid`) and whose first detail names `file:line`. Scores are never
 * clamped: a score outside 0-10 is refused.
 */
import { DistilleryError, zodDetails } from "../errors";
import type { FilterConfig } from "../schemas/filter";
import { type DimensionScore, type LabelRecord, labelRecordSchema } from "../schemas/label";
import { resolveCategories } from "./legacy-categories";
import { isMap, readNumber, readString, type YamlMap } from "./legacy-yaml";
import { oracleModelFromPath, oracleModelFromRecord } from "./oracle-model";

export type LabelFilter = Pick<FilterConfig, "name" | "version" | "dimensions" | "categories">;

export type ParseLabelOptions = {
  /** Record dimension name → filter dimension key (`--rename old=new`). */
  rename?: Readonly<Record<string, string>>;
  sourceFile?: string;
  line?: number;
  /** Used when the record names no model (`--model`). */
  model?: string;
  /** `import:<sha256 of the prompt>`, or `import:unknown`. */
  promptHash?: string;
  /** `created_at` of a label whose record carries no analysis time (ISO 8601). */
  importedAt?: string;
};

export type LabelImportErrorCode =
  | "label.no_analysis"
  | "label.dimension_missing"
  | "label.score_invalid"
  | "label.article_invalid"
  | "label.other_filter"
  | "label.invalid";

const ARTICLE_BODY_FIELDS = ["content", "text", "body", "article_text", "full_text"];
const ANALYSIS_SCORE_CONTAINERS = ["dimensions", "scores"];

/**
 * Parses a record (already `JSON.parse`d) into a label record for `filter`.
 * @example
 * const record = parseLegacyLabelRecord(JSON.parse(line), filter, { sourceFile: "batch_001.jsonl", line: 3 });
 */
export function parseLegacyLabelRecord(
  obj: unknown,
  filter: LabelFilter,
  options: ParseLabelOptions = {},
): LabelRecord {
  const fail = (code: LabelImportErrorCode, message: string, extra: { path: string; issue: string }[] = []) =>
    new DistilleryError(code, message, {
      details: [{ path: where(options), issue: message }, ...extra],
    });
  if (!isMap(obj)) throw fail("label.invalid", "the line is not a JSON object");
  if (isMap(obj.article) && isMap(obj.label)) return parseOwnRecord(obj, filter, options, fail);

  const analysis = findAnalysis(obj, filter.name);
  if (!analysis) throw fail("label.no_analysis", "no `<filter>_analysis` or `analysis` object in the record");
  const scores = readScores(analysis, filter, options, fail);
  const article = readArticle(obj, fail);
  const model = oracleModelFromRecord(obj, analysis) ?? options.model ?? pathModel(options) ?? "unknown";
  const label = {
    article_id: article.id,
    filter: filter.name,
    filter_version: filter.version,
    prompt_hash: options.promptHash ?? "import:unknown",
    model,
    mode: "import" as const,
    scores,
    categories: resolveCategories(analysis, filter.categories),
    tokens: readTokens(analysis),
    cost_usd: nonNegative(analysis.cost_usd) ?? 0,
    latency_ms: nonNegative(analysis.latency_ms) ?? 0,
    attempts: Math.trunc(nonNegative(analysis.attempts) ?? 0),
    created_at:
      timestamp(readString(analysis.analyzed_at) ?? readString(analysis.created_at)) ?? now(options),
  };
  const result = labelRecordSchema.safeParse({ article, label });
  if (!result.success) throw fail("label.invalid", `invalid label: ${describe(result.error)}`);
  return result.data;
}

function parseOwnRecord(
  obj: YamlMap,
  filter: LabelFilter,
  options: ParseLabelOptions,
  fail: (
    code: LabelImportErrorCode,
    message: string,
    extra?: { path: string; issue: string }[],
  ) => DistilleryError,
): LabelRecord {
  const result = labelRecordSchema.safeParse(obj);
  if (!result.success) throw fail("label.invalid", `invalid label record: ${describe(result.error)}`);
  const record = result.data;
  if (record.label.filter !== filter.name || record.label.filter_version !== filter.version)
    throw fail(
      "label.other_filter",
      `label of filter '${record.label.filter}' v${record.label.filter_version}, not '${filter.name}' v${filter.version}`,
    );
  const renamed: Record<string, DimensionScore> = {};
  for (const [key, score] of Object.entries(record.label.scores))
    renamed[options.rename?.[key] ?? key] = score;
  const missing = filter.dimensions.find((d) => !(d.key in renamed));
  if (missing) throw missingDimension(missing.key, Object.keys(record.label.scores), filter, fail);
  const scores = Object.fromEntries(filter.dimensions.map((d) => [d.key, renamed[d.key]!]));
  return { article: record.article, label: { ...record.label, scores } };
}

/**
 * Whether a parsed line has the shape of a label record at all (an analysis object, or ours), so an
 * importer can tell a labels file from the other JSONL files beside it (`metrics.jsonl`…).
 */
export function isLabelRecordShape(obj: unknown, filterName = ""): boolean {
  return (
    isMap(obj) && ((isMap(obj.article) && isMap(obj.label)) || findAnalysis(obj, filterName) !== undefined)
  );
}

/** `<filter>_analysis` for this filter, else the only `*_analysis` object, else `analysis`. */
function findAnalysis(obj: YamlMap, filterName: string): YamlMap | undefined {
  const own = obj[`${filterName}_analysis`];
  if (isMap(own)) return own;
  const named = Object.keys(obj).filter((key) => key.endsWith("_analysis") && isMap(obj[key]));
  if (named.length === 1) return obj[named[0]!] as YamlMap;
  return isMap(obj.analysis) ? obj.analysis : undefined;
}

function readScores(
  analysis: YamlMap,
  filter: LabelFilter,
  options: ParseLabelOptions,
  fail: (
    code: LabelImportErrorCode,
    message: string,
    extra?: { path: string; issue: string }[],
  ) => DistilleryError,
): Record<string, DimensionScore> {
  const sourceOf: Record<string, string> = {};
  for (const [from, to] of Object.entries(options.rename ?? {})) sourceOf[to] = from;
  const containers = [analysis, ...ANALYSIS_SCORE_CONTAINERS.map((k) => analysis[k]).filter(isMap)];
  const scores: Record<string, DimensionScore> = {};
  for (const dimension of filter.dimensions) {
    const names = sourceOf[dimension.key] ? [sourceOf[dimension.key]!, dimension.key] : [dimension.key];
    const name = names.find((n) => containers.some((c) => c[n] !== undefined)) ?? names[0]!;
    const value = containers.map((c) => c[name]).find((v) => v !== undefined);
    if (value === undefined)
      throw missingDimension(dimension.key, scoredNames(containers), filter, fail, name);
    const score = isMap(value) ? value.score : value;
    if (typeof score !== "number" || !Number.isFinite(score) || score < 0 || score > 10)
      throw fail(
        "label.score_invalid",
        `dimension '${name}': score ${JSON.stringify(score)} is not a number from 0 to 10`,
      );
    const reason = isMap(value)
      ? (readString(value.reasoning) ?? readString(value.evidence) ?? readString(value.reason) ?? "")
      : "";
    scores[dimension.key] = { score, reason };
  }
  return scores;
}

/** Names in the analysis that hold a score (a number or `{score}`), to help the user `--rename`. */
function scoredNames(containers: readonly YamlMap[]): string[] {
  const names = new Set<string>();
  for (const container of containers)
    for (const [key, value] of Object.entries(container))
      if (typeof value === "number" || (isMap(value) && "score" in value)) names.add(key);
  return [...names];
}

function missingDimension(
  key: string,
  found: readonly string[],
  filter: LabelFilter,
  fail: (
    code: LabelImportErrorCode,
    message: string,
    extra?: { path: string; issue: string }[],
  ) => DistilleryError,
  lookedFor = key,
): DistilleryError {
  const known = new Set(filter.dimensions.map((d) => d.key));
  const unmatched = found.filter((name) => !known.has(name));
  const hint = unmatched.length > 0 ? `; map one with --rename ${unmatched[0]}=${key}` : "";
  const looked = lookedFor === key ? "" : ` (looked for '${lookedFor}')`;
  return fail(
    "label.dimension_missing",
    `dimension '${key}' of filter '${filter.name}' is not in the record${looked}; dimensions found: ${found.join(", ") || "none"}${hint}`,
    found.map((name) => ({ path: "found", issue: name })),
  );
}

function readArticle(
  obj: YamlMap,
  fail: (code: LabelImportErrorCode, message: string) => DistilleryError,
): LabelRecord["article"] {
  const rawId = obj.id ?? obj.article_id ?? obj._id;
  const id = typeof rawId === "number" ? String(rawId) : readString(rawId);
  if (!id) throw fail("label.article_invalid", "the record has no article `id`");
  const body = ARTICLE_BODY_FIELDS.map((k) => obj[k]).find((v): v is string => typeof v === "string") ?? "";
  const title =
    typeof obj.title === "string" ? obj.title : typeof obj.headline === "string" ? obj.headline : "";
  if (body.trim() === "" && title.trim() === "")
    throw fail("label.article_invalid", `article '${id}' has no text (title, content/text/body)`);
  return {
    id,
    url: readString(obj.url) ?? readString(obj.link) ?? "",
    title,
    body,
    language: readString(obj.language)?.toLowerCase() ?? readString(obj.lang)?.toLowerCase() ?? "und",
    source: readString(obj.source) ?? readString(obj.source_name) ?? "unknown",
    published_at: timestamp(readString(obj.published_date) ?? readString(obj.published_at)) ?? null,
  };
}

/** An ISO 8601 time with an offset; a time without one is taken as UTC (how LLM Distillery wrote them). */
function timestamp(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const withOffset = /(Z|[+-]\d\d:?\d\d)$/i.test(value) ? value : `${value}Z`;
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/i.test(withOffset)) return undefined;
  return Number.isNaN(Date.parse(withOffset)) ? undefined : withOffset;
}

function readTokens(analysis: YamlMap): LabelRecord["label"]["tokens"] {
  const usage = isMap(analysis.tokens) ? analysis.tokens : isMap(analysis.usage) ? analysis.usage : {};
  const count = (...keys: string[]) =>
    Math.trunc(keys.map((k) => nonNegative(usage[k])).find((v) => v !== undefined) ?? 0);
  return {
    input: count("input", "input_tokens", "prompt_tokens"),
    cached: count("cached", "cached_tokens"),
    output: count("output", "output_tokens", "completion_tokens"),
    thinking: count("thinking", "thoughts_tokens", "reasoning_tokens"),
  };
}

function nonNegative(value: unknown): number | undefined {
  const number = readNumber(value);
  return number !== undefined && number >= 0 ? number : undefined;
}

function pathModel(options: ParseLabelOptions): string | undefined {
  return options.sourceFile ? oracleModelFromPath(options.sourceFile) : undefined;
}

function now(options: ParseLabelOptions): string {
  return options.importedAt ?? new Date().toISOString();
}

function where(options: ParseLabelOptions): string {
  const file = options.sourceFile ?? "(record)";
  return options.line === undefined ? file : `${file}:${options.line}`;
}

function describe(error: Parameters<typeof zodDetails>[0]): string {
  const details = zodDetails(error);
  const first = details[0];
  return first
    ? `${first.path}: ${first.issue}${details.length > 1 ? ` (and ${details.length - 1} more)` : ""}`
    : "invalid";
}
