/**
 * @module
 * A dry-run bake-off: the same sample, contestants and label reuse a real start would have, priced the
 * way an oracle job's estimate is (`estimateJob`: the prompt prefix, each article's length, the
 * answer plus the planned thinking), with nothing sent and nothing spent.
 */
import type { BakeoffEstimate, BakeoffJobSpec, FilterPackage } from "@distillery/shared";
import type { Env } from "../env";
import { oracleSettings, standinBanner } from "../oracle/config";
import type { StoredLabel } from "../oracle/label-reader";
import { estimateJob } from "../oracle/plan";
import type { BakeoffOracleRow } from "./store";

/** A contestant as `startBakeoff` prepared it: its row and the labels that answer its first asks. */
export type PreparedContestant = { row: BakeoffOracleRow; labels: ReadonlyMap<string, StoredLabel> };

/** What the bake-off would ask of each contestant and what that would cost. */
export async function estimateBakeoff(
  env: Env,
  filter: FilterPackage,
  spec: BakeoffJobSpec,
  sample: readonly string[],
  repeated: readonly string[],
  contestants: readonly PreparedContestant[],
): Promise<BakeoffEstimate> {
  const settings = oracleSettings(env);
  const oracles = [];
  for (const { row, labels } of contestants) {
    const oracle = {
      provider: row.provider,
      model: row.model,
      thinking: row.thinking,
      max_output_tokens: row.max_output_tokens,
    };
    const base = {
      filter,
      oracle,
      mode: "interactive" as const,
      promptHash: row.prompt_hash,
      selected: sample.length,
      blocked: 0,
      prices: settings.prices,
      ...settings.quotas[row.provider],
    };
    // Two estimates, because a repeat is a second call about an article the first asks also name.
    const first = await estimateJob(env, { ...base, toLabel: sample.filter((id) => !labels.has(id)) });
    const again = await estimateJob(env, { ...base, toLabel: repeated });
    oracles.push({
      name: row.name,
      provider: row.provider,
      model: row.model,
      thinking: row.thinking,
      reused: labels.size,
      calls: first.to_label + again.to_label,
      input_tokens: first.input_tokens + again.input_tokens,
      output_tokens: first.output_tokens + again.output_tokens,
      thinking_tokens: first.thinking_tokens + again.thinking_tokens,
      usd: Math.round((first.usd + again.usd) * 1e6) / 1e6,
    });
  }
  const standins = [...new Set(contestants.filter((c) => c.row.uses_standin).map((c) => c.row.provider))];
  return {
    dry_run: true,
    filter: filter.name,
    filter_version: filter.version,
    sample: { requested: spec.sample.count, selected: sample.length, repeated: repeated.length },
    oracles,
    usd: Math.round(oracles.reduce((sum, o) => sum + o.usd, 0) * 1e6) / 1e6,
    budget_usd: spec.budget_usd,
    ...(standins.length > 0 ? { banner: standins.map(standinBanner).join(" ") } : {}),
  };
}
