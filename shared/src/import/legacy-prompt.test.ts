import { describe, expect, it } from "vitest";
import { convertLegacyPrompt } from "./legacy-prompt";

describe("convertLegacyPrompt", () => {
  it("keeps only the fenced block under the prompt heading and strips the article placeholders", () => {
    const text = [
      "# Some filter",
      "Notes for humans.",
      "## PROMPT TEMPLATE",
      "```",
      "Rate the article.",
      "",
      "ARTICLE:",
      "Title: {title}",
      "Source: {source}",
      "Published: {published_date}",
      "Text: {text}",
      "",
      "",
      "",
      'Answer as {{"score": <0-10>}}.',
      "```",
      "## SCORING FORMULA",
      "```python",
      "overall = 1",
      "```",
    ].join("\n");
    const { prompt, stripped, warnings } = convertLegacyPrompt(text);
    expect(prompt).toBe('Rate the article.\n\nAnswer as {"score": <0-10>}.\n');
    expect(stripped).toEqual([
      "ARTICLE:",
      "Title: {title}",
      "Source: {source}",
      "Published: {published_date}",
      "Text: {text}",
    ]);
    expect(warnings[0]).toContain("kept the fenced block");
  });

  it("uses the whole file when there is no prompt block, removing a paste-here line", () => {
    const text =
      '# Role\nYou score articles.\n\n**INPUT DATA:** [Paste the article here]\n\n```json\n{"a": 1}\n```\n';
    const { prompt, stripped } = convertLegacyPrompt(text);
    expect(prompt).toBe('# Role\nYou score articles.\n\n```json\n{"a": 1}\n```\n');
    expect(stripped).toEqual(["**INPUT DATA:** [Paste the article here]"]);
  });

  it("removes a lone placeholder line and warns about placeholders it cannot fill", () => {
    const { prompt, stripped, warnings } = convertLegacyPrompt(
      "Judge this:\n{text}\nFor {audience} readers.\n",
    );
    expect(prompt).toBe("Judge this:\nFor {audience} readers.\n");
    expect(stripped).toEqual(["{text}"]);
    expect(warnings.join("\n")).toContain(
      "placeholders left in the prompt (our engine does not fill them): {audience}",
    );
  });

  it("leaves braces alone in a prompt that was not a format string", () => {
    const { prompt, stripped } = convertLegacyPrompt('Reply with {{"x": 1}} exactly.\n');
    expect(prompt).toBe('Reply with {{"x": 1}} exactly.\n');
    expect(stripped).toEqual([]);
  });
});
