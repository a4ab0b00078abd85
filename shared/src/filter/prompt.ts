/**
 * @module
 * Renders the oracle prompt for one article: the filter's fixed instructions first and the article
 * last, so every call of a filter shares one long prefix and Gemini's implicit prefix caching applies.
 * Long bodies are cut to a head and a tail at sentence boundaries (the end of a news article often
 * carries the outcome, so dropping it entirely biases scores). The prompt hash identifies everything
 * that changes a label: same hash, same question, so an existing label is never paid for twice.
 */
import { sha256Hex } from "../hash/index";
import type { ArticleText } from "../schemas/article";
import type { FilterPackage } from "../schemas/filter";

export type RenderedPrompt = {
  /** Identical for every article of a filter version: the cacheable part. */
  prefix: string;
  /** The article block appended after the prefix. */
  article: string;
  text: string;
  /** Whether the body was shortened to the filter's `max_article_chars`. */
  truncated: boolean;
};

const HEAD_SHARE = 0.7;
const OMISSION = "\n\n[…]\n\n";
const SENTENCE_END = /[.!?…。]["'”’)\]]?\s/g;

/** Cuts `body` to at most `maxChars` characters: head and tail, each ending/starting at a sentence. */
export function truncateAtSentences(body: string, maxChars: number): { text: string; truncated: boolean } {
  if (body.length <= maxChars) return { text: body, truncated: false };
  const budget = Math.max(0, maxChars - OMISSION.length);
  const headBudget = Math.floor(budget * HEAD_SHARE);
  const tailBudget = budget - headBudget;

  let headEnd = headBudget;
  SENTENCE_END.lastIndex = 0;
  let lastEnd = -1;
  for (
    let m = SENTENCE_END.exec(body);
    m !== null && m.index + m[0].length <= headBudget;
    m = SENTENCE_END.exec(body)
  ) {
    lastEnd = m.index + m[0].length;
  }
  if (lastEnd > headBudget / 2) headEnd = lastEnd;

  const tailWindowStart = body.length - tailBudget;
  SENTENCE_END.lastIndex = tailWindowStart;
  const next = SENTENCE_END.exec(body);
  let tailStart = tailWindowStart;
  if (next && next.index + next[0].length < body.length - tailBudget / 2)
    tailStart = next.index + next[0].length;

  return {
    text: `${body.slice(0, headEnd).trimEnd()}${OMISSION}${body.slice(tailStart).trimStart()}`,
    truncated: true,
  };
}

/**
 * Renders the prompt for one article.
 * @example
 * const { text, prefix } = renderOraclePrompt(filter, { title, body, language: "en", source: "reuters" });
 */
export function renderOraclePrompt(
  filter: Pick<FilterPackage, "prompt" | "oracle">,
  article: ArticleText,
): RenderedPrompt {
  const prefix = `${filter.prompt.trim()}\n\n---\n\n`;
  const { text: body, truncated } = truncateAtSentences(article.body, filter.oracle.max_article_chars);
  const lines = [
    "# Article to score",
    "",
    `Title: ${article.title}`,
    `Source: ${article.source}`,
    `Language: ${article.language}`,
  ];
  if (article.url) lines.push(`URL: ${article.url}`);
  lines.push("", body);
  const articleBlock = `${lines.join("\n")}\n`;
  return { prefix, article: articleBlock, text: prefix + articleBlock, truncated };
}

/**
 * Hash of everything that determines an oracle label for a filter version: prompt, dimensions,
 * categories, model and sampling settings. `model` overrides the filter's oracle model (a
 * calibration run with another model gets its own labels).
 */
export async function promptHash(
  filter: Pick<FilterPackage, "name" | "version" | "prompt" | "dimensions" | "categories" | "oracle">,
  model: string = filter.oracle.model,
): Promise<string> {
  const identity = {
    name: filter.name,
    version: filter.version,
    prompt: filter.prompt,
    dimensions: filter.dimensions.map((d) => [d.key, d.description, d.scale_notes ?? null]),
    categories: filter.categories.map((c) => [c.key, c.values.map((v) => v.key)]),
    model,
    temperature: filter.oracle.temperature,
    max_article_chars: filter.oracle.max_article_chars,
  };
  return sha256Hex(JSON.stringify(identity));
}
