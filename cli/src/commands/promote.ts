/**
 * @module
 * `distillery promote FILTER MODEL_ID [--override REASON] [--json]`: asks the edge to promote a model
 * for its filter (`POST /v1/filters/{name}/promote`). Granted: prints the gate's checks with the
 * candidate and the promoted model side by side (`formatComparison`), or the stored promotion as JSON.
 * Refused: the edge's 409 `promotion.refused` is an error whose lines are the failed checks, each with
 * both figures; `promotion.needs_eval` names the eval job to create first. `--override` (admin tokens)
 * promotes past the gate with a reason recorded in the audit log.
 */
import {
  DistilleryClient,
  DistilleryError,
  formatComparison,
  promoteRequestSchema,
  promoteResultSchema,
} from "@distillery/shared";
import type { Command } from "commander";
import { usageError } from "../errors";
import type { Io } from "../io";

export type PromoteFlags = { override?: string; json?: boolean; edge?: string; token?: string };

/** Promotes `modelId` for `filter` through `client`; writes the comparison (or JSON) to `io`. */
export async function promoteModel(
  client: DistilleryClient,
  io: Io,
  filter: string,
  modelId: string,
  flags: PromoteFlags,
): Promise<void> {
  const request = promoteRequestSchema.parse({
    model_id: modelId,
    ...(flags.override !== undefined ? { override: { reason: flags.override } } : {}),
  });
  let promotion: ReturnType<typeof promoteResultSchema.parse>;
  try {
    const response = await client.raw("POST", `/v1/filters/${encodeURIComponent(filter)}/promote`, {
      json: request,
    });
    promotion = promoteResultSchema.parse(await response.json());
  } catch (error) {
    if (error instanceof DistilleryError && error.code === "promotion.refused") {
      // The checks travel as details: one line each, both figures in it, printed before the error.
      for (const detail of error.details) io.err(`  ${detail.path}: ${detail.issue}\n`);
    }
    throw error;
  }
  if (flags.json) {
    io.out(`${JSON.stringify(promotion, null, 2)}\n`);
    return;
  }
  const lines = promotion.comparison
    ? formatComparison(promotion.comparison)
    : [`${promotion.model_id} promoted for ${filter} past the gate (override): ${promotion.reason}`];
  io.out(`${lines.join("\n")}\n`);
}

export function registerPromoteCommand(program: Command, io: Io): void {
  program
    .command("promote")
    .description(
      "Promote a model for its filter if it beats the promoted one on the same random test labels; scoring jobs then use it",
    )
    .argument("<filter>", "the filter")
    .argument("<model_id>", "the candidate model")
    .option("--override <reason>", "promote past the gate (admin token); the reason goes to the audit log")
    .option("--json", "print the stored promotion as JSON")
    .option("--edge <url>", "the edge (default: $DISTILLERY_EDGE_URL or http://127.0.0.1:8787)")
    .option("--token <token>", "a bot or admin token (default: $DISTILLERY_TOKEN)")
    .action(async (filter: string, modelId: string, flags: PromoteFlags) => {
      const edge = flags.edge ?? process.env.DISTILLERY_EDGE_URL ?? "http://127.0.0.1:8787";
      const token = flags.token ?? process.env.DISTILLERY_TOKEN;
      if (!token)
        throw usageError("promote needs a bot or admin token: pass --token or set DISTILLERY_TOKEN");
      if (flags.override !== undefined && flags.override.trim() === "")
        throw usageError("--override needs a reason, e.g. --override 'rollback after the drift alert'");
      await promoteModel(new DistilleryClient({ baseUrl: edge, token }), io, filter, modelId, flags);
    });
}
