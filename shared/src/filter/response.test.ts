import { describe, expect, it } from "vitest";
import { exampleFilter } from "../testing/example-filter";
import { geminiResponseSchema, oracleResponseSchema, splitOracleResponse } from "./response";

const filter = exampleFilter();
const valid = {
  deployment: { score: 7, reason: "Operating plant." },
  impact: { score: 5.5, reason: "Regional." },
  evidence: { score: 8, reason: "Figures given." },
  content_type: "news",
};

describe("oracle response schema", () => {
  it("accepts a complete response and splits scores from categories", () => {
    const parsed = oracleResponseSchema(filter).parse(valid);
    expect(splitOracleResponse(filter, parsed)).toEqual({
      scores: { deployment: valid.deployment, impact: valid.impact, evidence: valid.evidence },
      categories: { content_type: "news" },
    });
  });

  it("refuses a score outside 0-10 instead of clamping it", () => {
    const result = oracleResponseSchema(filter).safeParse({ ...valid, impact: { score: 11, reason: "x" } });
    expect(result.success).toBe(false);
  });

  it("refuses a missing dimension and an unknown category value", () => {
    const { evidence: _, ...missing } = valid;
    expect(oracleResponseSchema(filter).safeParse(missing).success).toBe(false);
    expect(oracleResponseSchema(filter).safeParse({ ...valid, content_type: "gossip" }).success).toBe(false);
  });

  it("derives Gemini's responseSchema from the same dimensions, in order", () => {
    const schema = geminiResponseSchema(filter) as {
      required: string[];
      properties: Record<string, { type: string; enum?: string[] }>;
    };
    expect(schema.required).toEqual(["deployment", "impact", "evidence", "content_type"]);
    expect(schema.properties.deployment!.type).toBe("OBJECT");
    expect(schema.properties.content_type!.enum).toEqual(["news", "press_release"]);
  });
});
