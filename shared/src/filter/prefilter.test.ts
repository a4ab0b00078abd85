import { describe, expect, it } from "vitest";
import { exampleFilter } from "../testing/example-filter";
import { compilePrefilter, compileUserRegex, runPrefilter } from "./prefilter";

const filter = exampleFilter();
const article = (over: Partial<{ title: string; body: string; language: string; source: string }>) => ({
  title: "Grid news",
  body: "A long enough body about the grid and the solar farm that opened this week in the north.",
  language: "en",
  source: "reuters",
  ...over,
});

describe("prefilter", () => {
  it("passes on an include keyword and names it", () => {
    expect(runPrefilter(filter, article({}))).toEqual({
      pass: true,
      rule: "include_keyword",
      detail: "solar",
    });
  });

  it("matches keywords on word boundaries only, case-insensitively", () => {
    const body = "Insolarization is not a word, but it is long enough to pass the length check here.";
    expect(runPrefilter(filter, article({ body })).rule).toBe("include.none_matched");
    const upper = "The SOLAR farm opened, and it is long enough to pass the length check easily.";
    expect(runPrefilter(filter, article({ body: upper })).pass).toBe(true);
  });

  it("matches multi-word keywords and keywords with hyphens", () => {
    expect(
      runPrefilter(filter, article({ body: "A new heat pump factory opened near the border this week." }))
        .detail,
    ).toBe("heat pump");
    const nl = article({
      language: "nl",
      body: "De gemeente plaatst zonne-energie op alle daken van de scholen.",
    });
    expect(runPrefilter(filter, nl)).toMatchObject({ pass: true, detail: "zonne-energie" });
  });

  it("blocks on an exclude keyword before looking at includes", () => {
    const decision = runPrefilter(
      filter,
      article({ body: "Solar panels on the football stadium roof, long enough text." }),
    );
    expect(decision).toEqual({ pass: false, rule: "exclude_keyword", detail: "football" });
  });

  it("applies '*' rules to every language", () => {
    const decision = runPrefilter(
      filter,
      article({ body: "A solar casino opened, with a body that is long enough." }),
    );
    expect(decision).toMatchObject({ pass: false, rule: "exclude_regex" });
    const nl = runPrefilter(
      filter,
      article({ language: "nl", body: "Een casino met een batterij, lang genoeg voor de test." }),
    );
    expect(nl).toMatchObject({ pass: false, rule: "exclude_regex" });
  });

  it("uses the language's own rules", () => {
    const nl = article({
      language: "nl",
      body: "Het voetbal stadion krijgt een batterij, lang genoeg voor de test.",
    });
    expect(runPrefilter(filter, nl)).toEqual({ pass: false, rule: "exclude_keyword", detail: "voetbal" });
  });

  it("blocks denied sources and too-short articles with the measured length", () => {
    expect(runPrefilter(filter, article({ source: "Spam-Daily" }))).toMatchObject({
      pass: false,
      rule: "source.deny",
    });
    expect(runPrefilter(filter, article({ title: "x", body: "solar" }))).toEqual({
      pass: false,
      rule: "length.min",
      detail: "6 < 40 characters",
    });
  });

  it("lets unknown languages through with the '*' rules only, or blocks them when asked", () => {
    const es = article({
      language: "es",
      body: "Un parque solar abre en Sevilla, con texto suficiente para pasar.",
    });
    expect(runPrefilter(filter, es)).toMatchObject({ pass: true, rule: "passed" });
    const strict = { prefilter: { ...filter.prefilter, unknown_language: "block" as const } };
    expect(runPrefilter(strict, es)).toMatchObject({ pass: false, rule: "language.unknown" });
  });

  it("honours a source allow list", () => {
    const allowOnly = { prefilter: { ...filter.prefilter, sources: { allow: ["nos"], deny: [] } } };
    const prefilter = compilePrefilter(allowOnly);
    expect(prefilter(article({ source: "reuters" }))).toMatchObject({ pass: false, rule: "source.allow" });
    expect(prefilter(article({ source: "NOS" })).pass).toBe(true);
  });

  it("escapes regex characters in keywords", () => {
    const custom = {
      prefilter: {
        ...filter.prefilter,
        rules: {
          en: { include_keywords: ["c++"], include_regex: [], exclude_keywords: [], exclude_regex: [] },
        },
      },
    };
    expect(
      runPrefilter(custom, article({ body: "We rewrote it in c++ for the grid, long enough." })).pass,
    ).toBe(true);
    expect(
      runPrefilter(custom, article({ body: "We rewrote it in cxx for the grid, long enough." })).pass,
    ).toBe(false);
  });
});

describe("user regexes", () => {
  it("match case-insensitively whichever way they are compiled", () => {
    for (const pattern of ["\\bsolar\\b", "(?<!\\p{L})solar(?!\\p{L})", "\\bSOLAR\\p{L}*"]) {
      const { regex, onLower } = compileUserRegex(pattern);
      const text = "The SOLAR farm";
      expect(regex.test(onLower ? text.toLowerCase() : text), pattern).toBe(true);
    }
  });

  it("match accented letters case-insensitively", () => {
    const { regex, onLower } = compileUserRegex("(?<!\\p{L})energía(?!\\p{L})");
    expect(regex.test(onLower ? "ENERGÍA solar".toLowerCase() : "ENERGÍA solar")).toBe(true);
    expect(compileUserRegex("energía").regex.test("ENERGÍA")).toBe(true);
  });
});
