/**
 * @module
 * Turns an LLM Distillery prompt file into our `prompt.md`. Their prompts are Python format strings
 * inside documentation: the instructions sit in a fenced block under a `## PROMPT` / `## PROMPT
 * TEMPLATE` heading, the article goes in through placeholders (`ARTICLE:` then `Title: {title}`,
 * `Text: {text}`…), and literal braces are doubled (`{{`). Our engine appends the article after the
 * prompt itself (fixed part first, for prefix caching), so the conversion:
 * 1. keeps only the fenced block under the prompt heading when there is one (the rest of the file is
 *    documentation and post-processing formulas the oracle never saw);
 * 2. removes the article block: an `ARTICLE:`/`INPUT:` header with its `Field: {placeholder}` lines,
 *    any other line holding an article placeholder, and `[Paste the article here]` lines;
 * 3. un-doubles braces when the text was a format string (`{{` → `{`);
 * 4. squeezes the blank lines left behind.
 * Every removal is listed in `stripped` so the command can show it.
 */

export type ConvertedPrompt = {
  prompt: string;
  /** The lines removed as the article placeholder section, as they were. */
  stripped: string[];
  warnings: string[];
};

const ARTICLE_FIELDS = [
  "title",
  "text",
  "content",
  "body",
  "article",
  "source",
  "url",
  "language",
  "published_date",
  "published_at",
  "date",
  "summary",
  "author",
];
const PLACEHOLDER = new RegExp(`(?<!\\{)\\{(${ARTICLE_FIELDS.join("|")})\\}(?!\\})`);
const ARTICLE_HEADER =
  /^\s*(\*\*)?\s*(article|input|input data|article to (score|analy[sz]e))\s*:?\s*(\*\*)?\s*:?\s*$/i;
const FIELD_LINE = /^\s*[\w ]{1,30}:\s*(?<!\{)\{[a-z_]+\}(?!\})\s*$/;
const PASTE_LINE = /\[\s*paste\b[^\]]*\]/i;
const PROMPT_HEADING = /^#{1,6}\s*(the\s+)?prompt(\s+template)?\s*$/i;
const FENCE = /^\s*```\s*([\w-]*)\s*$/;

/**
 * Converts a legacy prompt file's text.
 * @example
 * const { prompt, stripped } = convertLegacyPrompt(readFileSync("prompt-compressed.md", "utf8"));
 */
export function convertLegacyPrompt(text: string): ConvertedPrompt {
  const warnings: string[] = [];
  let lines = text.replace(/\r\n?/g, "\n").split("\n");
  const block = promptBlock(lines);
  if (block) {
    lines = block;
    warnings.push("kept the fenced block under the prompt heading; the documentation around it was left out");
  }
  const wasFormatString = lines.some((line) => PLACEHOLDER.test(line));
  const kept: string[] = [];
  const stripped: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (ARTICLE_HEADER.test(line) && FIELD_LINE.test(lines[i + 1] ?? "")) {
      stripped.push(line);
      while (i + 1 < lines.length && FIELD_LINE.test(lines[i + 1]!)) stripped.push(lines[++i]!);
      continue;
    }
    if (PLACEHOLDER.test(line) || PASTE_LINE.test(line)) {
      stripped.push(line);
      continue;
    }
    kept.push(line);
  }
  let prompt = kept.join("\n");
  if (wasFormatString) prompt = prompt.replaceAll("{{", "{").replaceAll("}}", "}");
  prompt = `${prompt.replace(/\n[ \t]*(\n[ \t]*){2,}/g, "\n\n").trim()}\n`;
  const leftover = [...new Set(prompt.match(/(?<!\{)\{[a-z_]+\}(?!\})/g) ?? [])];
  if (wasFormatString && leftover.length > 0)
    warnings.push(`placeholders left in the prompt (our engine does not fill them): ${leftover.join(", ")}`);
  if (/\bjson\b/i.test(prompt))
    warnings.push(
      "the prompt describes its own JSON output; our oracle answers in the schema derived from the dimensions, so review that section",
    );
  if (prompt.trim() === "") warnings.push("the prompt is empty after conversion");
  return { prompt, stripped, warnings };
}

/** The inside of the first fenced block after a `## PROMPT` heading, or `undefined`. */
function promptBlock(lines: readonly string[]): string[] | undefined {
  const heading = lines.findIndex((line) => PROMPT_HEADING.test(line));
  if (heading < 0) return undefined;
  let open = -1;
  for (let i = heading + 1; i < lines.length; i++) {
    const fence = FENCE.exec(lines[i]!);
    if (fence) {
      if (fence[1] && !["text", "markdown", "md", "txt"].includes(fence[1].toLowerCase())) return undefined;
      open = i;
      break;
    }
    if (/^#{1,2}\s/.test(lines[i]!)) return undefined;
  }
  if (open < 0) return undefined;
  for (let i = open + 1; i < lines.length; i++)
    if (/^\s*```\s*$/.test(lines[i]!)) return lines.slice(open + 1, i);
  return undefined;
}
