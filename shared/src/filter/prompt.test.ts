import { describe, expect, it } from "vitest";
import { exampleFilter } from "../testing/example-filter";
import { promptHash, renderOraclePrompt, truncateAtSentences } from "./prompt";

const filter = exampleFilter();
const sentence = (i: number) => `Sentence number ${i} tells part of the story.`;

describe("renderOraclePrompt", () => {
  it("puts the fixed instructions first and the article last", () => {
    const a = renderOraclePrompt(filter, {
      title: "A",
      body: "Body A.",
      language: "en",
      source: "s1",
      url: "https://x/a",
    });
    const b = renderOraclePrompt(filter, { title: "B", body: "Body B.", language: "nl", source: "s2" });
    expect(a.prefix).toBe(b.prefix);
    expect(a.text.startsWith(filter.prompt.trim())).toBe(true);
    expect(a.text.endsWith("Body A.\n")).toBe(true);
    expect(a.article).toContain("Title: A\nSource: s1\nLanguage: en\nURL: https://x/a");
    expect(b.article).not.toContain("URL:");
  });

  it("truncates long bodies to head and tail at sentence boundaries", () => {
    const body = Array.from({ length: 400 }, (_, i) => sentence(i)).join(" ");
    const { text, truncated } = truncateAtSentences(body, 2_000);
    expect(truncated).toBe(true);
    expect(text.length).toBeLessThanOrEqual(2_000);
    const [head, tail] = text.split("\n\n[…]\n\n");
    expect(head!.startsWith(sentence(0))).toBe(true);
    expect(head!.endsWith("story.")).toBe(true);
    expect(tail!.startsWith("Sentence number")).toBe(true);
    expect(tail!.endsWith(sentence(399))).toBe(true);
  });

  it("leaves short bodies untouched", () => {
    expect(truncateAtSentences("Short.", 100)).toEqual({ text: "Short.", truncated: false });
  });
});

describe("promptHash", () => {
  it("is stable for the same filter and changes with the prompt or the model", async () => {
    const base = await promptHash(filter);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(await promptHash(exampleFilter())).toBe(base);
    expect(await promptHash({ ...filter, prompt: `${filter.prompt} More.` })).not.toBe(base);
    expect(await promptHash(filter, "gemini-2.5-pro")).not.toBe(base);
  });

  it("ignores what does not change a label (tiers, weights)", async () => {
    const retiered = { ...filter, tiers: filter.tiers.map((t) => ({ ...t, label: `${t.label}!` })) };
    expect(await promptHash(retiered)).toBe(await promptHash(filter));
  });
});
