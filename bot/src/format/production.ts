/**
 * @module
 * "Better than production" in the eval summary: one embed comparing the evaluated model with its
 * filter's promoted model through the promotion gate (`GET /v1/filters/{name}/promotion/compare`,
 * which stores nothing), the two side by side, check by check. When no comparison can be made (no
 * promoted model, the promoted model has no eval on the same test split) the embed says why instead.
 */
import {
  type DistilleryClient,
  DistilleryError,
  formatComparison,
  type PromotionComparison,
  promotionComparisonSchema,
} from "@distillery/shared";
import type { APIEmbed } from "discord.js";

const BETTER = 0x2e7d32;
const NOT_BETTER = 0xc62828;
const UNKNOWN = 0x9e9e9e;

/** The embed of a gate comparison: title says better than production or not, then the checks. */
export function productionEmbed(comparison: PromotionComparison): APIEmbed {
  if (comparison.incumbent_model_id === null) {
    return { title: "Production: no model to compare with", description: comparison.summary, color: UNKNOWN };
  }
  const better = comparison.decision === "promote";
  const lines = formatComparison(comparison);
  const table = lines.slice(0, -1).join("\n");
  return {
    title: better
      ? `Better than production (${comparison.incumbent_model_id})`
      : `Not better than production (${comparison.incumbent_model_id})`,
    description: `\`\`\`\n${table}\n\`\`\`\n${lines.at(-1)}${better ? "\nPromote it with `/promote`." : ""}`,
    color: better ? BETTER : NOT_BETTER,
  };
}

/**
 * The eval summary's production comparison of `modelId`: asks the edge what the gate would decide.
 * A comparison the edge cannot make (`promotion.needs_eval`: the eval to run; a model of another
 * version…) becomes an embed saying why, so the eval report itself is still shown.
 * @example
 * embeds: [...evalEmbeds(report, charts), await productionComparisonEmbed(edge, report.model.id)]
 */
export async function productionComparisonEmbed(edge: DistilleryClient, modelId: string): Promise<APIEmbed> {
  try {
    const model = await edge.getModel(modelId);
    const response = await edge.raw(
      "GET",
      `/v1/filters/${encodeURIComponent(model.filter)}/promotion/compare`,
      { query: { model_id: modelId } },
    );
    return productionEmbed(promotionComparisonSchema.parse(await response.json()));
  } catch (error) {
    if (!(error instanceof DistilleryError) || error.code === "edge.unreachable") throw error;
    return { title: "Production: not compared", description: error.message, color: UNKNOWN };
  }
}
