/**
 * `/bakeoff`'s options become a bake-off spec, or a refusal naming the option to fix.
 */
import { DistilleryError } from "@distillery/shared";
import { describe, expect, it } from "vitest";
import { bakeoff, bakeoffSpecOf } from "./bakeoff";

type Options = Parameters<typeof bakeoffSpecOf>[0];

const options: Options = {
  filter: "example-energy@2",
  oracles: "gemini:gemini-2.5-flash, openai:deepseek-chat:low",
  budget: 2,
  count: null,
  repeat: null,
};

function refusal(overrides: Partial<Options>): DistilleryError {
  try {
    bakeoffSpecOf({ ...options, ...overrides });
  } catch (error) {
    if (error instanceof DistilleryError) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}

describe("bakeoffSpecOf", () => {
  it("builds the spec, with 200 articles and 20 repeats by default", () => {
    expect(bakeoffSpecOf(options)).toEqual({
      kind: "bakeoff",
      filter: "example-energy",
      filter_version: 2,
      oracles: [
        { provider: "gemini", model: "gemini-2.5-flash" },
        { provider: "openai", model: "deepseek-chat", thinking: "low" },
      ],
      sample: { count: 200, seed: 42 },
      repeat: 20,
      budget_usd: 2,
      dry_run: false,
    });
  });

  it("asks only for the estimate with dry_run", () => {
    expect(bakeoffSpecOf({ ...options, dryRun: true }).dry_run).toBe(true);
  });

  it("repeats at most the sample by default", () => {
    expect(bakeoffSpecOf({ ...options, count: 8 }).repeat).toBe(8);
  });

  it.each([
    [{ oracles: "gemini:gemini-2.5-flash" }, "oracles", "give 2 to 4 oracles"],
    [
      { oracles: "gemini:a, gpt-4o" },
      "oracles",
      "'gpt-4o': the provider 'gpt-4o' is not one of gemini, openai",
    ],
    [{ oracles: "gemini:a:1024, gemini:a:1024" }, "oracles", "gemini:a:1024 is listed twice"],
    [{ count: 10, repeat: 11 }, "repeat", "repeat (11) cannot exceed the sample count (10)"],
    [{ filter: "example-energy@two" }, "filter", "is not a filter"],
  ])("refuses %j naming the option", (overrides, option, message) => {
    const error = refusal(overrides);
    expect(error.code).toBe("bot.bad_option");
    expect(error.details[0]?.path).toBe(option);
    expect(error.message).toContain(message);
  });
});

describe("the /bakeoff definition", () => {
  it("needs the label permission and offers filter autocomplete and the oracle syntax", () => {
    const json = bakeoff.data.toJSON();
    expect(bakeoff.action).toBe("label");
    expect(json.name).toBe("bakeoff");
    const byName = Object.fromEntries((json.options ?? []).map((o) => [o.name, o]));
    expect(Object.keys(byName)).toEqual(["filter", "oracles", "budget", "count", "repeat", "dry_run"]);
    expect(byName.dry_run).toMatchObject({ required: false });
    expect(byName.filter).toMatchObject({ required: true, autocomplete: true });
    expect(byName.oracles).toMatchObject({ required: true });
    expect(byName.oracles?.description).toContain("provider:model[:thinking]");
  });
});
