/**
 * @module
 * The prefilter: declarative rules from a filter package that decide in microseconds whether an
 * article is worth sending to the oracle. Rules are compiled once per filter (keywords of a language
 * merged into one regular expression) because the engine runs over whole corpora.
 *
 * Order of decisions, cheapest first: source deny, source allow, unknown language, length bounds,
 * exclude keywords, include keywords and regexes (at least one must match when any exist), exclude
 * regexes. Rules of the article's language and the `"*"` rules apply together. The first rule that
 * decides is returned, so a user can see why an article was blocked.
 */
import type { ArticleText } from "../schemas/article";
import type { FilterPackage, PrefilterLanguageRules } from "../schemas/filter";

export type PrefilterDecision = {
  pass: boolean;
  /** The rule that decided: `passed`, `include_keyword`, `source.deny`, `length.min`, `exclude_keyword`… */
  rule: string;
  /** What matched or what was measured, e.g. the keyword or `312 < 400 characters`. */
  detail: string;
};

type KeywordKind = "include" | "exclude";

/**
 * All keywords of a language, include and exclude, in one regular expression over the lower-cased
 * text, so the text is scanned once. Word boundaries are checked by hand around each hit because
 * `\b` is ASCII-only and Unicode lookbehind is several times slower.
 */
type KeywordScanner = { pattern: RegExp; kinds: Map<string, KeywordKind> } | null;

type CompiledLanguage = {
  keywords: KeywordScanner;
  hasIncludeKeywords: boolean;
  includeRegex: UserRegex[];
  excludeRegex: UserRegex[];
};

const LETTER = /[\p{L}\p{N}]/u;

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function keywordScanner(include: string[], exclude: string[]): KeywordScanner {
  const kinds = new Map<string, KeywordKind>();
  for (const keyword of include) kinds.set(keyword.toLowerCase(), "include");
  // A keyword listed both ways excludes: blocking is the safer reading of a contradictory filter.
  for (const keyword of exclude) kinds.set(keyword.toLowerCase(), "exclude");
  if (kinds.size === 0) return null;
  const sorted = [...kinds.keys()].sort((a, b) => b.length - a.length);
  return { pattern: new RegExp(sorted.map(escapeRegex).join("|"), "g"), kinds };
}

type ScanResult = { excluded: string | null; included: string | null };

function scanKeywords(scanner: NonNullable<KeywordScanner>, lower: string): ScanResult {
  const { pattern, kinds } = scanner;
  let included: string | null = null;
  pattern.lastIndex = 0;
  for (let match = pattern.exec(lower); match !== null; match = pattern.exec(lower)) {
    const start = match.index;
    const end = start + match[0].length;
    const before = start > 0 ? lower[start - 1]! : " ";
    const after = end < lower.length ? lower[end]! : " ";
    if (!LETTER.test(before) && !LETTER.test(after)) {
      if (kinds.get(match[0]) === "exclude") return { excluded: match[0], included };
      included ??= match[0];
    }
    // Step one character only, so a keyword overlapping this hit is still seen.
    pattern.lastIndex = start + 1;
  }
  return { excluded: null, included };
}

/** A user regex and whether it runs on the lower-cased text (see `compileUserRegex`). */
type UserRegex = { regex: RegExp; onLower: boolean };

/**
 * Compiles a rule's regex case-insensitively. V8 runs `iu` regexes about five times slower than `i`
 * or `u` alone, so: a pattern without Unicode escapes gets `i`; one with `\p{…}` but no upper-case
 * letters runs with `u` on the lower-cased text, which is equivalent; only the rest gets `iu`.
 */
export function compileUserRegex(pattern: string): UserRegex {
  const needsUnicode = /\\[pPu]\{/.test(pattern);
  if (!needsUnicode) return { regex: new RegExp(pattern, "i"), onLower: false };
  const literals = pattern.replace(/\\[pPu]\{[^}]*\}|\\./g, "");
  if (literals === literals.toLowerCase()) return { regex: new RegExp(pattern, "u"), onLower: true };
  return { regex: new RegExp(pattern, "iu"), onLower: false };
}

function firstRegexMatch(regexes: UserRegex[], original: string, lower: () => string): string | null {
  for (const { regex, onLower } of regexes) {
    const match = regex.exec(onLower ? lower() : original);
    if (match) return match[0];
  }
  return null;
}

function compileLanguage(rules: PrefilterLanguageRules[]): CompiledLanguage {
  const collect = (key: keyof PrefilterLanguageRules) => rules.flatMap((r) => r[key]);
  const includeKeywords = collect("include_keywords");
  return {
    keywords: keywordScanner(includeKeywords, collect("exclude_keywords")),
    hasIncludeKeywords: includeKeywords.length > 0,
    includeRegex: collect("include_regex").map(compileUserRegex),
    excludeRegex: collect("exclude_regex").map(compileUserRegex),
  };
}

export type CompiledPrefilter = (article: ArticleText) => PrefilterDecision;

/**
 * Compiles a filter's prefilter into a function. Compile once, run over many articles.
 * @example
 * const prefilter = compilePrefilter(filter);
 * const decision = prefilter({ title, body, language: "nl", source: "nos" });
 */
export function compilePrefilter(filter: Pick<FilterPackage, "prefilter">): CompiledPrefilter {
  const { prefilter } = filter;
  const common = prefilter.rules["*"];
  const byLanguage = new Map<string, CompiledLanguage>();
  for (const [language, rules] of Object.entries(prefilter.rules)) {
    if (language === "*") continue;
    byLanguage.set(language, compileLanguage(common ? [rules, common] : [rules]));
  }
  const fallback = compileLanguage(common ? [common] : []);
  const allow = new Set(prefilter.sources.allow.map((s) => s.toLowerCase()));
  const deny = new Set(prefilter.sources.deny.map((s) => s.toLowerCase()));

  return (article) => {
    const source = article.source.toLowerCase();
    if (deny.has(source)) return { pass: false, rule: "source.deny", detail: article.source };
    if (allow.size > 0 && !allow.has(source))
      return { pass: false, rule: "source.allow", detail: article.source };
    let compiled = byLanguage.get(article.language);
    if (!compiled) {
      if (prefilter.unknown_language === "block" && byLanguage.size > 0)
        return { pass: false, rule: "language.unknown", detail: article.language };
      compiled = fallback;
    }
    const length = article.title.length + article.body.length;
    if (length < prefilter.min_length)
      return { pass: false, rule: "length.min", detail: `${length} < ${prefilter.min_length} characters` };
    if (prefilter.max_length !== null && length > prefilter.max_length)
      return { pass: false, rule: "length.max", detail: `${length} > ${prefilter.max_length} characters` };
    const original = `${article.title}\n${article.body}`;
    let lowerText: string | undefined;
    const lower = () => {
      lowerText ??= original.toLowerCase();
      return lowerText;
    };
    const scan = compiled.keywords ? scanKeywords(compiled.keywords, lower()) : null;
    if (scan?.excluded) return { pass: false, rule: "exclude_keyword", detail: scan.excluded };
    // Include before exclude regexes: user regexes are the slowest rules, and an article no include
    // rule matches is blocked whatever they say.
    let decision: PrefilterDecision = { pass: true, rule: "passed", detail: "no include rules" };
    if (scan?.included) decision = { pass: true, rule: "include_keyword", detail: scan.included };
    else if (compiled.hasIncludeKeywords || compiled.includeRegex.length > 0) {
      const hit = firstRegexMatch(compiled.includeRegex, original, lower);
      if (hit === null)
        return {
          pass: false,
          rule: "include.none_matched",
          detail: `no include rule for '${article.language}' matched`,
        };
      decision = { pass: true, rule: "include_regex", detail: hit };
    }
    const excluded = firstRegexMatch(compiled.excludeRegex, original, lower);
    if (excluded !== null) return { pass: false, rule: "exclude_regex", detail: excluded };
    return decision;
  };
}

/** Runs a filter's prefilter on one article (compiles each call: use `compilePrefilter` in loops). */
export function runPrefilter(
  filter: Pick<FilterPackage, "prefilter">,
  article: ArticleText,
): PrefilterDecision {
  return compilePrefilter(filter)(article);
}
