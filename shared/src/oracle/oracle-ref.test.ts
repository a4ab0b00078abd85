import { describe, expect, it } from "vitest";
import { oracleRefText, parseOracleList, parseOracleRef, repeatedOracleRef } from "./oracle-ref";

describe("parseOracleRef", () => {
  it("reads provider and model, with no thinking when none is given", () => {
    expect(parseOracleRef("gemini:gemini-2.5-flash")).toEqual({
      ok: true,
      oracle: { provider: "gemini", model: "gemini-2.5-flash" },
    });
  });

  it("reads a thinking level or a token budget from the last segment", () => {
    expect(parseOracleRef(" openai:deepseek-chat:low ")).toEqual({
      ok: true,
      oracle: { provider: "openai", model: "deepseek-chat", thinking: "low" },
    });
    expect(parseOracleRef("gemini:gemini-2.5-flash:1024")).toEqual({
      ok: true,
      oracle: { provider: "gemini", model: "gemini-2.5-flash", thinking: 1024 },
    });
    expect(parseOracleRef("gemini:gemini-2.5-flash:-1")).toMatchObject({ oracle: { thinking: -1 } });
  });

  it("keeps a ':' inside the model name when the last segment is not a thinking setting", () => {
    expect(parseOracleRef("openai:qwen2.5:7b")).toEqual({
      ok: true,
      oracle: { provider: "openai", model: "qwen2.5:7b" },
    });
    expect(parseOracleRef("openai:qwen2.5:7b:high")).toEqual({
      ok: true,
      oracle: { provider: "openai", model: "qwen2.5:7b", thinking: "high" },
    });
  });

  it("refuses an unknown provider, naming the ones there are", () => {
    const parsed = parseOracleRef("anthropic:claude");
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.issue).toContain("'anthropic' is not one of gemini, openai");
  });

  it("refuses a missing model", () => {
    for (const text of ["gemini", "gemini:", "openai: :low"]) {
      const parsed = parseOracleRef(text);
      expect(!parsed.ok && parsed.issue).toContain("no model name");
    }
  });

  it("refuses a thinking setting the model does not take, saying what it takes", () => {
    const parsed = parseOracleRef("openai:deepseek-chat:512");
    expect(!parsed.ok && parsed.issue).toContain("takes a thinking level");
    const level = parseOracleRef("gemini:gemini-2.5-flash:high");
    expect(!level.ok && level.issue).toContain("not a level");
  });
});

describe("parseOracleList", () => {
  it("reads a comma-separated list, ignoring blanks", () => {
    expect(parseOracleList("gemini:gemini-2.5-flash, openai:deepseek-chat:low,")).toEqual({
      ok: true,
      oracles: [
        { provider: "gemini", model: "gemini-2.5-flash" },
        { provider: "openai", model: "deepseek-chat", thinking: "low" },
      ],
    });
  });

  it("gives the first bad entry's issue", () => {
    const parsed = parseOracleList("gemini:gemini-2.5-flash, gpt-4o");
    expect(!parsed.ok && parsed.issue).toContain("'gpt-4o'");
  });
});

describe("repeatedOracleRef", () => {
  const flash = { provider: "gemini" as const, model: "gemini-2.5-flash" };

  it("lets two thinking settings of one model compete", () => {
    expect(repeatedOracleRef([flash, { ...flash, thinking: 1024 }])).toBeNull();
    expect(
      repeatedOracleRef([
        { ...flash, thinking: 0 },
        { ...flash, thinking: -1 },
      ]),
    ).toBeNull();
  });

  it("names the first contestant written twice, with its thinking", () => {
    expect(repeatedOracleRef([flash, flash])).toBe("gemini:gemini-2.5-flash");
    const pro = { provider: "gemini" as const, model: "gemini-2.5-pro", thinking: 128 };
    expect(repeatedOracleRef([flash, pro, pro])).toBe("gemini:gemini-2.5-pro:128");
  });

  it("writes an oracle back in the form the parser reads", () => {
    const ref = oracleRefText({ provider: "openai", model: "qwen2.5:7b", thinking: "low" });
    expect(ref).toBe("openai:qwen2.5:7b:low");
  });
});
