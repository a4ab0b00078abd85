import { describe, expect, it } from "vitest";
import { DistilleryError } from "../errors";
import { EXAMPLE_FILTER_YAML, EXAMPLE_PROMPT, exampleFilter } from "../testing/example-filter";
import { parseFilterPackage } from "./load";

function errorOf(filterYaml: string, promptMd = EXAMPLE_PROMPT): DistilleryError {
  try {
    parseFilterPackage({ filterYaml, promptMd, dir: "f/v1" });
  } catch (error) {
    if (error instanceof DistilleryError) return error;
    throw error;
  }
  throw new Error("expected the package to be refused");
}

describe("parseFilterPackage", () => {
  it("loads a valid package and fills defaults", () => {
    const filter = exampleFilter();
    expect(filter.dimensions.map((d) => d.key)).toEqual(["deployment", "impact", "evidence"]);
    expect(filter.oracle.model).toBe("gemini-2.5-flash");
    expect(filter.student.hyperparameters.lora.r).toBe(16);
    expect(filter.prefilter.rules.en?.include_keywords).toContain("solar");
  });

  it("names file, line and path when weights do not sum to 1", () => {
    const error = errorOf(EXAMPLE_FILTER_YAML.replace("weight: 0.2", "weight: 0.15"));
    expect(error.code).toBe("filter.invalid");
    expect(error.message).toContain("weights sum to 0.95, expected 1.0");
    expect(error.details[0]!.path).toMatch(/^f\/v1\/filter\.yaml:\d+ dimensions$/);
  });

  it("points at the line of a wrong value", () => {
    const yaml = EXAMPLE_FILTER_YAML.replace("min: 3\n", "min: 13\n");
    const error = errorOf(yaml);
    const line = yaml.split("\n").findIndex((l) => l.includes("min: 13")) + 1;
    expect(error.details.map((d) => d.path)).toContain(`f/v1/filter.yaml:${line} gatekeepers[0].min`);
  });

  it("refuses a gatekeeper on an unknown dimension, listing the known ones", () => {
    const error = errorOf(EXAMPLE_FILTER_YAML.replace("- dimension: deployment", "- dimension: maturity"));
    expect(
      error.details.some(
        (d) => d.issue.includes("unknown dimension 'maturity'") && d.issue.includes("deployment"),
      ),
    ).toBe(true);
  });

  it("refuses tiers out of order and a lowest tier above 0", () => {
    const error = errorOf(
      EXAMPLE_FILTER_YAML.replace("min_overall: 0,", "min_overall: 1,").replace(
        "min_overall: 4",
        "min_overall: 8",
      ),
    );
    const issues = error.details.map((d) => d.issue).join("\n");
    expect(issues).toContain("ordered highest first");
    expect(issues).toContain("lowest tier must start at 0");
  });

  it("refuses unknown fields so typos are not silently ignored", () => {
    const error = errorOf(
      EXAMPLE_FILTER_YAML.replace("description: Deployed", "descripton: typo\ndescription: Deployed"),
    );
    expect(error.details.some((d) => d.issue.toLowerCase().includes("descripton"))).toBe(true);
  });

  it("reports YAML syntax errors with a line", () => {
    const error = errorOf("name: x\n  bad: [unclosed\n");
    expect(error.details[0]!.path).toMatch(/^f\/v1\/filter\.yaml:\d+$/);
  });

  it("refuses an invalid regular expression", () => {
    const error = errorOf(
      EXAMPLE_FILTER_YAML.replace('exclude_regex: ["\\\\bcasino\\\\b"]', 'exclude_regex: ["(unclosed"]'),
    );
    expect(
      error.details.some(
        (d) => d.path.includes("exclude_regex[0]") && d.issue.includes("invalid regular expression"),
      ),
    ).toBe(true);
  });

  it("refuses an empty prompt, naming prompt.md", () => {
    const error = errorOf(EXAMPLE_FILTER_YAML, "  \n");
    expect(error.details[0]).toEqual({ path: "f/v1/prompt.md", issue: "the prompt is empty" });
  });
});
