/**
 * Storing a chunk of predictions: a prediction missing a dimension is kept unscored (no overall, no tier,
 * `parse_status: invalid`), while any other failure of the postfilter is an error, never a silent null tier.
 */
import { env } from "cloudflare:test";
import { exampleFilter, type FilterPackage, type Prediction } from "@distillery/shared";
import { describe, expect, it } from "vitest";
import { newId } from "../db/client";
import { storeChunk } from "./chunks";

const filter = exampleFilter();

function prediction(articleId: string, scores: Record<string, number>): Prediction {
  return { article_id: articleId, scores } as Prediction;
}

const fullScores = Object.fromEntries(filter.dimensions.map((d) => [d.key, 5]));

describe("storeChunk", () => {
  it("stores a prediction missing a dimension without overall or tier, marked invalid", async () => {
    const jobId = newId("job");
    const missing = Object.fromEntries(filter.dimensions.slice(1).map((d) => [d.key, 5]));
    const stored = await storeChunk(
      env,
      { jobId, modelId: newId("model"), filter },
      { shard: 0, chunk_index: 0, predictions: [prediction("a1", fullScores), prediction("a2", missing)] },
    );
    expect(stored).toBe(true);
    const { results } = await env.DB.prepare(
      "SELECT article_id, overall, tier, parse_status FROM predictions WHERE job_id = ? ORDER BY article_id",
    )
      .bind(jobId)
      .all<{
        article_id: string;
        overall: number | null;
        tier: string | null;
        parse_status: string | null;
      }>();
    expect(results[0]).toMatchObject({ article_id: "a1", parse_status: null });
    expect(results[0]?.tier).toEqual(expect.any(String));
    expect(results[1]).toEqual({ article_id: "a2", overall: null, tier: null, parse_status: "invalid" });
  });

  it("fails on any other postfilter error instead of storing a null tier", async () => {
    const broken = { ...filter, tiers: [] } as unknown as FilterPackage;
    await expect(
      storeChunk(
        env,
        { jobId: newId("job"), modelId: newId("model"), filter: broken },
        { shard: 0, chunk_index: 0, predictions: [prediction("a1", fullScores)] },
      ),
    ).rejects.toThrow(TypeError);
  });
});
