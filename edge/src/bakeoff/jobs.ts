/**
 * @module
 * Bake-off jobs: the hooks `createJob` runs. `validate` refuses what cannot run, naming the field
 * (`oracles.1.thinking`, an oracle without a price, the same oracle twice); `start` draws the
 * stratified sample (the oracle stage's `sample` selection, less what the prefilter blocks), writes
 * one item per oracle, article and replicate (a first ask the oracle already answered reuses that
 * label, when it asks with the thinking the filter gives that model: no call), and fans the rest out on the `distillery-oracle` queue; `redrive` sends a stalled
 * job's pending items again.
 */
import {
  type BakeoffJobSpec,
  DistilleryError,
  type FilterPackage,
  type Job,
  type JobSpec,
  oracleName,
  oracleProblem,
  promptHash,
  type ResolvedOracle,
  resolveOracle,
} from "@distillery/shared";
import { database } from "../db/client";
import { bakeoffJobs } from "../db/schema";
import type { Env } from "../env";
import { loadFilter } from "../filters/store";
import { transitionJob, updateJobProgress } from "../jobs/index";
import type { JobKindHooks } from "../jobs/kinds";
import { oracleSettings, usesStandin } from "../oracle/config";
import { priceFor } from "../oracle/cost";
import { selectArticleIds } from "../oracle/plan";
import { prefilterArticles } from "../oracle/prefilter";
import { estimateBakeoff, type PreparedContestant } from "./estimate";
import { reusableLabels } from "./labels";
import { settleBakeoff } from "./settle";
import {
  type BakeoffOracleRow,
  getBakeoffJob,
  type ItemKey,
  insertItems,
  type NewItem,
  pendingItems,
} from "./store";

/** A contestant resolved against the filter, with the name its answers and report go under. */
type Contestant = ResolvedOracle & { name: string };

/**
 * Each oracle of the spec resolved against the filter; refused with the field named. Two thinking
 * settings of one model may compete: their names then carry the setting, in the
 * `provider:model:thinking` form the CLI and the bot read (`gemini:gemini-2.5-flash:0`).
 */
function resolveOracles(env: Env, filter: FilterPackage, spec: BakeoffJobSpec): Contestant[] {
  const prices = oracleSettings(env).prices;
  const resolved = spec.oracles.map((entry, position) => {
    const oracle = resolveOracle(filter, entry);
    const problem = oracleProblem(oracle);
    if (problem) {
      throw new DistilleryError("oracle.invalid_setting", `oracles.${position}: ${problem}`, {
        details: [{ path: `oracles.${position}.thinking`, issue: problem }],
      });
    }
    try {
      priceFor(prices, oracle.model);
    } catch (error) {
      if (!(error instanceof DistilleryError)) throw error;
      throw new DistilleryError(error.code, `oracles.${position}: ${error.message}`, {
        status: error.status,
        details: [{ path: `oracles.${position}.model`, issue: error.message }],
        cause: error,
      });
    }
    return oracle;
  });
  const models = resolved.map((oracle) => oracleName(oracle));
  const seen = new Map<string, number>();
  return resolved.map((oracle, position) => {
    const model = models[position]!;
    const shared = models.filter((other) => other === model).length > 1;
    const name = shared ? `${model}:${oracle.thinking ?? "default"}` : model;
    const earlier = seen.get(name);
    if (earlier !== undefined) {
      throw new DistilleryError(
        "bakeoff.duplicate_oracle",
        `oracles.${position} names ${name} again (as oracles.${earlier}); give the two different thinking settings`,
        { details: [{ path: `oracles.${position}`, issue: `duplicate of oracles.${earlier}` }] },
      );
    }
    seen.set(name, position);
    return { ...oracle, name };
  });
}

async function validateBakeoff(env: Env, spec: JobSpec) {
  if (spec.kind !== "bakeoff") return;
  resolveOracles(env, await loadFilter(env, spec.filter, spec.filter_version), spec);
}

/** Enqueues one message per pending item (duplicates are harmless: each message re-checks its item). */
export async function enqueueItems(env: Env, items: readonly ItemKey[]): Promise<void> {
  const queue = env.ORACLE_QUEUE;
  for (let i = 0; i < items.length; i += 100) {
    await queue.sendBatch(
      items.slice(i, i + 100).map((item) => ({ body: { type: "bakeoff.item" as const, ...item } })),
    );
  }
}

async function startBakeoff(env: Env, job: Job) {
  const spec = job.spec as BakeoffJobSpec;
  const settings = oracleSettings(env);
  const filter = await loadFilter(env, spec.filter, spec.filter_version);
  const resolved = resolveOracles(env, filter, spec);
  const selected = await selectArticleIds(env, filter, { type: "sample", ...spec.sample });
  const decisions = await prefilterArticles(env, filter, selected);
  // The walk is round-robin over (source, language), so its first `repeat` articles are stratified too.
  const sample = selected.filter((id) => decisions.get(id)?.pass);
  const repeated = sample.slice(0, spec.repeat);
  const contestants: PreparedContestant[] = [];
  for (const oracle of resolved) {
    const row: BakeoffOracleRow = {
      name: oracle.name,
      provider: oracle.provider,
      model: oracle.model,
      thinking: oracle.thinking,
      max_output_tokens: oracle.max_output_tokens,
      prompt_hash: await promptHash(filter, oracle.model),
      uses_standin: usesStandin(settings, oracle.provider),
    };
    // A label of this model was made with the thinking the filter gives it; another setting asks anew.
    const labelThinking = resolveOracle(filter, { provider: oracle.provider, model: oracle.model }).thinking;
    const labels =
      oracle.thinking === labelThinking ? await reusableLabels(env, filter, row, sample) : new Map();
    contestants.push({ row, labels });
  }
  if (spec.dry_run) {
    await transitionJob(env, job.id, "running");
    const estimate = await estimateBakeoff(env, filter, spec, sample, repeated, contestants);
    await transitionJob(env, job.id, "succeeded", {
      result: estimate,
      progress: { done: 0, total: 0, message: "dry run: nothing was sent to any oracle" },
    });
    return;
  }
  const oracles = contestants.map((contestant) => contestant.row);
  const items: NewItem[] = [];
  for (const { row, labels } of contestants) {
    for (const article_id of sample) {
      const label = labels.get(article_id);
      items.push(
        label
          ? { oracle: row.name, article_id, replicate: 0, state: "done", reused: true, ...label }
          : { oracle: row.name, article_id, replicate: 0, state: "pending" },
      );
    }
    for (const article_id of repeated)
      items.push({ oracle: row.name, article_id, replicate: 1, state: "pending" });
  }
  await database(env.DB)
    .insert(bakeoffJobs)
    .values({
      job_id: job.id,
      filter: filter.name,
      filter_version: filter.version,
      oracles,
      requested: spec.sample.count,
      budget_usd: spec.budget_usd,
    })
    .run();
  await insertItems(env, job.id, items);
  await transitionJob(env, job.id, "running");
  const pending = await pendingItems(env, job.id);
  await updateJobProgress(env, job.id, {
    done: items.length - pending.length,
    total: items.length,
    message: `${sample.length} articles, ${resolved.length} oracles`,
  });
  await enqueueItems(env, pending);
  await settleBakeoff(env, job.id);
}

/** How long a start may run before a job with no items is taken to have been cut off. */
const START_GRACE_MS = 15 * 60_000;

/**
 * The stalled-work hook (`jobs/redrive.ts`): re-sends the pending items, then settles (a job whose
 * last item was answered while its end was lost finishes now). A start cut off before its items were
 * written cannot resume and fails.
 */
async function redriveBakeoff(env: Env, job: Job) {
  if (!(await getBakeoffJob(env, job.id))) {
    if (Date.now() - Date.parse(job.created_at) < START_GRACE_MS) return;
    await transitionJob(env, job.id, "failed", {
      error: {
        code: "bakeoff.start_interrupted",
        message: `bake-off ${job.id} stopped before its items were written; create it again`,
      },
    });
    return;
  }
  await enqueueItems(env, await pendingItems(env, job.id));
  await settleBakeoff(env, job.id);
}

export const bakeoffJobHooks: JobKindHooks = {
  validate: validateBakeoff,
  start: startBakeoff,
  redrive: redriveBakeoff,
};
