import { articleInputSchema, compilePrefilter } from "@distillery/shared";
import { resolveFilter } from "@distillery/shared/node";
import { describe, expect, it } from "vitest";
import { generateSampleCorpus } from "./corpus";

describe("sample corpus", () => {
  const articles = generateSampleCorpus({ count: 400 });

  it("is the same on every run and every article is a valid submission with a unique URL", () => {
    expect(generateSampleCorpus({ count: 400 })).toEqual(articles);
    for (const article of articles) articleInputSchema.parse(article);
    expect(new Set(articles.map((a) => a.url)).size).toBe(articles.length);
  });

  it("covers the four languages of the built-in filters", () => {
    const languages = new Set(articles.map((a) => a.language));
    expect([...languages].sort()).toEqual(["en", "es", "nl", "pt"]);
  });

  it("passes most energy stories through the tech-deployment prefilter and blocks the off-topic ones", async () => {
    const prefilter = compilePrefilter(await resolveFilter("sustainability-tech-deployment"));
    const decisions = articles.map((a) => ({ a, d: prefilter(a) }));
    const offTopic = decisions.filter(({ a }) =>
      /football|voetbal|futebol|fútbol|recipe|recept/i.test(a.body),
    );
    expect(offTopic.length).toBeGreaterThan(10);
    expect(offTopic.every(({ d }) => !d.pass)).toBe(true);
    const passed = decisions.filter(({ d }) => d.pass).length;
    expect(passed / articles.length).toBeGreaterThan(0.8);
  });
});
