import { exampleFilter, type GateArticle, promotionGate } from "@distillery/shared";
import { describe, expect, it } from "vitest";
import { productionEmbed } from "./production";

const filter = exampleFilter();
const ORACLE = { deployment: 8, impact: 8, evidence: 8 };
const off = (error: number) => ({
  scores: { deployment: 8 - error, impact: 8 - error, evidence: 8 - error },
});
const articles = (candidate: number[], incumbent: number[]): GateArticle[] =>
  candidate.map((error, i) => ({
    article_id: `a${i}`,
    selection: "random",
    oracle: ORACLE,
    candidate: off(error),
    incumbent: off(incumbent[i]!),
  }));
const compare = (list: GateArticle[]) =>
  promotionGate({ filter, candidate_model_id: "mdl_new", incumbent_model_id: "mdl_prod", articles: list });

describe("productionEmbed", () => {
  it("says better than production, with both models' figures side by side", () => {
    const embed = productionEmbed(compare(articles([0.5, 0.5, 0.5, 0.5], [1, 1.5, 1, 2])));
    expect(embed.title).toBe("Better than production (mdl_prod)");
    expect(embed.description).toMatch(/dimension_mae\s+0\.5\s+1\.375/);
    expect(embed.description).toContain("/promote");
  });

  it("says not better than production when a check fails", () => {
    const embed = productionEmbed(compare(articles([0.5, 0.9, 0.5, 0.9], [0.9, 0.5, 0.9, 0.6])));
    expect(embed.title).toBe("Not better than production (mdl_prod)");
    expect(embed.description).toMatch(/dimension_mae\s+0\.7\s+0\.725\s+-0\.025\s+0\.2175\s+NO/);
  });
});
