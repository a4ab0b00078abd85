/**
 * The pure pieces of the oracle client: answer repair and refusal, failure classification, backoff
 * bounds, and prices from the published table.
 */
import { DistilleryError, exampleFilter } from "@distillery/shared";
import { describe, expect, it } from "vitest";
import { readOracleAnswer, repairAnswerText } from "../../edge/src/oracle/answer";
import { costUsd, priceFor, resolvePriceTable, usageTokens } from "../../edge/src/oracle/cost";
import { backoffDelayMs, classifyFailure, retryAfterHeaderMs } from "../../edge/src/oracle/retry";

const filter = exampleFilter();
const good = {
  deployment: { score: 6.5, reason: "pilot" },
  impact: { score: 4, reason: "some" },
  evidence: { score: 7, reason: "numbers" },
  content_type: "news",
};

describe("readOracleAnswer", () => {
  it("takes a valid answer as is", () => {
    const answer = readOracleAnswer(filter, JSON.stringify(good));
    expect(answer).toMatchObject({ repaired: false, categories: { content_type: "news" } });
    expect("scores" in answer && answer.scores.deployment?.score).toBe(6.5);
  });

  it("repairs fences, trailing text and a score written as a string", () => {
    const text = `Here you go:\n\`\`\`json\n${JSON.stringify(good).replace('"score":4', '"score":"4.0"')}\n\`\`\`\nThanks!`;
    const answer = readOracleAnswer(filter, text);
    expect(answer).toMatchObject({ repaired: true });
    expect("scores" in answer && answer.scores.impact?.score).toBe(4);
    expect(repairAnswerText('{"a": "}"} trailing')).toBe('{"a": "}"}');
  });

  it("refuses scores outside 0-10 instead of clamping", () => {
    const bad = { ...good, impact: { score: 10.5, reason: "x" } };
    expect(readOracleAnswer(filter, JSON.stringify(bad))).toMatchObject({
      code: "oracle.score_out_of_range",
    });
    const negative = { ...good, evidence: { score: "-1", reason: "x" } };
    expect(readOracleAnswer(filter, JSON.stringify(negative))).toMatchObject({
      code: "oracle.score_out_of_range",
    });
  });

  it("names a missing dimension and an unknown category value", () => {
    const { evidence: _, ...missing } = good;
    expect(readOracleAnswer(filter, JSON.stringify(missing))).toMatchObject({
      code: "oracle.schema_mismatch",
      message: expect.stringContaining("evidence"),
    });
    expect(readOracleAnswer(filter, JSON.stringify({ ...good, content_type: "blog" }))).toMatchObject({
      code: "oracle.schema_mismatch",
      message: expect.stringContaining("content_type"),
    });
    expect(readOracleAnswer(filter, '{"deployment": {"score": 5')).toMatchObject({
      code: "oracle.invalid_json",
    });
  });
});

describe("classifyFailure and backoff", () => {
  it("sorts statuses and transport errors into transient and permanent", () => {
    expect(classifyFailure({ status: 429, message: '{"retryDelay":"2.5s"}' })).toMatchObject({
      kind: "transient",
      code: "oracle.rate_limited",
      retryAfterMs: 2_500,
    });
    expect(classifyFailure({ status: 429, message: "{}" }, "3")).toMatchObject({ retryAfterMs: 3_000 });
    expect(classifyFailure({ status: 502, message: "" }).kind).toBe("transient");
    expect(classifyFailure({ status: 400, message: "" })).toMatchObject({ kind: "permanent" });
    expect(classifyFailure(new TypeError("fetch failed"))).toMatchObject({ code: "oracle.network" });
    expect(classifyFailure(new DOMException("The operation was aborted.", "AbortError"))).toMatchObject({
      code: "oracle.timeout",
      kind: "transient",
    });
  });

  it("keeps delays under an exponential ceiling and at least Retry-After", () => {
    for (const random of [0, 0.3, 0.999]) {
      for (let attempt = 1; attempt <= 10; attempt++) {
        const delay = backoffDelayMs(attempt, { baseMs: 1_000, maxMs: 60_000 }, () => random);
        expect(delay).toBeLessThanOrEqual(Math.min(60_000, 1_000 * 2 ** (attempt - 1)));
        expect(delay).toBeGreaterThanOrEqual(0);
        const told = backoffDelayMs(attempt, { baseMs: 1_000, maxMs: 60_000 }, () => random, 9_000);
        expect(told).toBeGreaterThanOrEqual(9_000);
        expect(told).toBeLessThanOrEqual(Math.max(9_900, 60_000));
      }
    }
    expect(retryAfterHeaderMs(new Date(Date.now() + 5_000).toUTCString())).toBeGreaterThan(3_000);
  });
});

describe("cost", () => {
  it("prices input, cached input and output with the published table, and halves batch", () => {
    const price = priceFor(resolvePriceTable(), "models/gemini-2.5-flash-preview-09-2025");
    const tokens = usageTokens({
      promptTokenCount: 1_000_000,
      cachedContentTokenCount: 400_000,
      candidatesTokenCount: 100_000,
    });
    expect(costUsd(price, tokens, "interactive")).toBeCloseTo(0.6 * 0.3 + 0.4 * 0.03 + 0.1 * 2.5, 10);
    expect(costUsd(price, tokens, "batch")).toBeCloseTo(costUsd(price, tokens, "interactive") / 2, 10);
  });

  it("takes overrides from ORACLE_PRICES and names bad ones", () => {
    const table = resolvePriceTable(
      '{"my-model": {"input_per_mtok": 1, "cached_input_per_mtok": 0.1, "output_per_mtok": 2}}',
    );
    expect(priceFor(table, "my-model").batch_discount).toBe(0.5);
    expect(() => resolvePriceTable("{nope")).toThrow(DistilleryError);
    expect(() => resolvePriceTable('{"m": {"input_per_mtok": -1}}')).toThrow(/ORACLE_PRICES/);
    expect(() => priceFor(table, "gpt-4")).toThrow(/no price for model 'gpt-4'/);
  });
});
