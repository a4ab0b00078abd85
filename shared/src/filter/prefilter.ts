/**
 * @module
 * The prefilter: declarative rules from a filter package that decide in microseconds whether an
 * article is worth sending to the oracle. Rules are compiled once per filter (keywords of a language
 * merged into one regular expression) because the engine runs over whole corpora.
 *
 * Order of decisions: source deny, source allow, unknown language, length bounds, exclude rules
 * (language + `"*"`), include rules (at least one must match when any exist). The first rule that
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

type Matcher = { kind: "keyword" | "regex"; test: (lower: string, original: string) => string | null };

type CompiledLanguage = { include: Matcher[]; exclude: Matcher[] };

const LETTER = /[\p{L}\p{N}]/u;

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * One regex over the lower-cased text for all keywords; word boundaries are checked by hand around
 * each hit because `\b` is ASCII-only and Unicode lookbehind is several times slower.
 */
function keywordMatcher(keywords: string[]): Matcher | null {
  if (keywords.length === 0) return null;
  const lowered = [...new Set(keywords.map((k) => k.toLowerCase()))].sort((a, b) => b.length - a.length);
  const pattern = new RegExp(lowered.map(escapeRegex).join("|"), "g");
  return {
    kind: "keyword",
    test(lower) {
      pattern.lastIndex = 0;
      for (let match = pattern.exec(lower); match !== null; match = pattern.exec(lower)) {
        const start = match.index;
        const end = start + match[0].length;
        const before = start > 0 ? lower[start - 1]! : " ";
        const after = end < lower.length ? lower[end]! : " ";
        if (!LETTER.test(before) && !LETTER.test(after)) return match[0];
        pattern.lastIndex = start + 1;
      }
      return null;
    },
  };
}

function regexMatcher(patterns: string[]): Matcher | null {
  if (patterns.length === 0) return null;
  const compiled = patterns.map((p) => new RegExp(p, "iu"));
  return {
    kind: "regex",
    test(_lower, original) {
      for (const regex of compiled) {
        const match = regex.exec(original);
        if (match) return match[0];
      }
      return null;
    },
  };
}

function compileLanguage(rules: PrefilterLanguageRules[]): CompiledLanguage {
  const collect = (key: keyof PrefilterLanguageRules) => rules.flatMap((r) => r[key]);
  const include = [keywordMatcher(collect("include_keywords")), regexMatcher(collect("include_regex"))];
  const exclude = [keywordMatcher(collect("exclude_keywords")), regexMatcher(collect("exclude_regex"))];
  return {
    include: include.filter((m): m is Matcher => m !== null),
    exclude: exclude.filter((m): m is Matcher => m !== null),
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
    if (compiled.include.length === 0 && compiled.exclude.length === 0)
      return { pass: true, rule: "passed", detail: "no keyword rules" };
    const original = `${article.title}\n${article.body}`;
    const lower = original.toLowerCase();
    for (const matcher of compiled.exclude) {
      const hit = matcher.test(lower, original);
      if (hit !== null) return { pass: false, rule: `exclude_${matcher.kind}`, detail: hit };
    }
    if (compiled.include.length === 0) return { pass: true, rule: "passed", detail: "no include rules" };
    for (const matcher of compiled.include) {
      const hit = matcher.test(lower, original);
      if (hit !== null) return { pass: true, rule: `include_${matcher.kind}`, detail: hit };
    }
    return {
      pass: false,
      rule: "include.none_matched",
      detail: `no include rule for '${article.language}' matched`,
    };
  };
}

/** Runs a filter's prefilter on one article (compiles each call: use `compilePrefilter` in loops). */
export function runPrefilter(
  filter: Pick<FilterPackage, "prefilter">,
  article: ArticleText,
): PrefilterDecision {
  return compilePrefilter(filter)(article);
}
