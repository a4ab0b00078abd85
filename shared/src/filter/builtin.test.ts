/**
 * @module
 * The built-in filter packages (`shared/filters/<name>/v<N>/`) against the engine: every package
 * loads through the same loader users get, its prompt asks for exactly the JSON the oracle schema
 * checks, its gatekeepers cap what they promise to cap, and the hand-written example articles in
 * `shared/fixtures/articles/` pass or are blocked by the prefilter as `expectations.json` says.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { builtinFiltersDir, loadBuiltinFilters } from "../node/index";
import { type ArticleInput, articleInputSchema } from "../schemas/article";
import type { FilterPackage } from "../schemas/filter";
import { postfilter } from "./postfilter";
import { compilePrefilter } from "./prefilter";

const BUILTIN_NAMES = [
  "ai-engineering-practice",
  "climate-policy",
  "nature-recovery",
  "social-movements",
  "sustainability-economics",
  "sustainability-tech-deployment",
];

const fixturesDir = join(builtinFiltersDir, "..", "fixtures", "articles");

const expectationsSchema = z.record(
  z.string(),
  z.strictObject({
    filter: z.string(),
    prefilter_pass: z.boolean(),
    /** The prefilter rule expected to block the article (only when `prefilter_pass` is false). */
    blocked_by: z.string().optional(),
  }),
);

function readFixtures(name: string): ArticleInput[] {
  const lines = readFileSync(join(fixturesDir, `${name}.ndjson`), "utf8").split("\n");
  return lines
    .filter((line) => line.trim().length > 0)
    .map((line, i) => {
      const parsed = articleInputSchema.safeParse(JSON.parse(line));
      if (!parsed.success) throw new Error(`${name}.ndjson line ${i + 1}: ${parsed.error.message}`);
      return parsed.data;
    });
}

let filters: FilterPackage[];
const expectations = expectationsSchema.parse(
  JSON.parse(readFileSync(join(fixturesDir, "expectations.json"), "utf8")),
);

beforeAll(async () => {
  filters = await loadBuiltinFilters();
});

function filterNamed(name: string): FilterPackage {
  const filter = filters.find((f) => f.name === name);
  if (!filter) throw new Error(`built-in filter '${name}' did not load`);
  return filter;
}

describe("built-in filters", () => {
  it("all six load and validate, version 1, in the four supported languages", () => {
    expect(filters.map((f) => `${f.name}@${f.version}`)).toEqual(BUILTIN_NAMES.map((n) => `${n}@1`));
    for (const filter of filters) {
      expect(filter.languages, filter.name).toEqual(["en", "nl", "pt", "es"]);
      expect(filter.dimensions.length, filter.name).toBeGreaterThanOrEqual(6);
      expect(filter.oracle.model, filter.name).toBe("gemini-2.5-flash");
      expect(filter.student.kind, filter.name).toBe("regression");
      expect(Object.keys(filter.prefilter.rules), filter.name).toEqual(
        expect.arrayContaining(filter.languages),
      );
    }
  });

  it.each(BUILTIN_NAMES)(
    "%s: the prompt asks for every dimension and content type the oracle schema checks",
    (name) => {
      const filter = filterNamed(name);
      const contentType = filter.categories.find((c) => c.key === "content_type");
      expect(contentType, "content_type category").toBeDefined();
      // The output template in the prompt: one line per dimension, then the content_type choices.
      for (const dimension of filter.dimensions) {
        expect(filter.prompt).toContain(`"${dimension.key}": { "score": <0-10>, "reason":`);
        expect(filter.prompt).toContain(`### ${dimension.key}\n`);
      }
      const choices = /"content_type": "<([^>]+)>"/.exec(filter.prompt)?.[1]?.split("|");
      expect(choices).toEqual(contentType!.values.map((v) => v.key));
    },
  );

  it("a lab-only technology stays in the lowest tier however well it scores elsewhere", () => {
    const filter = filterNamed("sustainability-tech-deployment");
    const scores = Object.fromEntries(filter.dimensions.map((d) => [d.key, 9]));
    expect(postfilter(filter, scores, { content_type: "news" }).tier).toBe("proven_at_scale");
    const labOnly = postfilter(filter, { ...scores, deployment_maturity: 1 }, { content_type: "news" });
    expect(labOnly.tier).toBe("not_deployed");
    expect(labOnly.caps).toContain("gatekeeper:deployment_maturity");
    const noEvidence = postfilter(filter, { ...scores, real_world_evidence: 2 }, { content_type: "news" });
    expect(noEvidence.overall).toBe(4);
    const pressRelease = postfilter(filter, scores, { content_type: "press_release" });
    expect(pressRelease.tier).toBe("commercial");
  });
});

describe("example articles", () => {
  it("every fixture has an expectation for a built-in filter, and every filter has passing and blocked ones", () => {
    const urls = BUILTIN_NAMES.flatMap((name) => readFixtures(name).map((a) => a.url));
    expect(new Set(urls).size).toBe(urls.length);
    expect(Object.keys(expectations).sort()).toEqual([...urls].sort());
    for (const name of BUILTIN_NAMES) {
      const outcomes = readFixtures(name).map((a) => expectations[a.url]!.prefilter_pass);
      expect(outcomes, name).toContain(true);
      expect(outcomes, name).toContain(false);
    }
  });

  it.each(BUILTIN_NAMES)("%s: the prefilter passes and blocks the fixtures as expected", (name) => {
    const prefilter = compilePrefilter(filterNamed(name));
    for (const article of readFixtures(name)) {
      const expected = expectations[article.url]!;
      expect(expected.filter).toBe(name);
      const decision = prefilter(article);
      expect({ url: article.url, pass: decision.pass }).toEqual({
        url: article.url,
        pass: expected.prefilter_pass,
      });
      if (expected.blocked_by) expect(decision.rule, article.url).toBe(expected.blocked_by);
    }
  });
});
