/**
 * @module
 * `distillery bakeoff FILTER --oracle A --oracle B ...`: the oracle bake-off. Creates a `bakeoff` job
 * on the edge (two to four oracles label the same stratified sample, each re-asked on `--repeat`
 * articles), follows it with the same progress display as every other job, and prints its report as
 * tables (`bakeoff/format.ts`) or, with `--json`, as the report JSON. `--no-wait` prints the job and
 * returns at once. Bad flags are usage errors (exit 2) naming the flag and what to fix; the spec is
 * checked against `bakeoffJobSpecSchema` before anything is sent.
 */
import {
  BAKEOFF_MAX_ORACLES,
  type BakeoffOracle,
  bakeoffEstimateSchema,
  bakeoffJobSpecSchema,
  bakeoffReportSchema,
  DistilleryClient,
  DistilleryError,
  formatPath,
  type Job,
  ORACLE_REF_SYNTAX,
  parseOracleRef,
  repeatedOracleRef,
} from "@distillery/shared";
import type { Command } from "commander";
import type { z } from "zod";
import { formatBakeoffEstimate } from "../bakeoff/estimate-format";
import { formatBakeoffReport } from "../bakeoff/format";
import { usageError } from "../errors";
import type { Io } from "../io";
import { followJob } from "../report/follow";

export type BakeoffFlags = {
  oracle?: BakeoffOracle[];
  count: number;
  repeat?: number;
  budget: number;
  seed: number;
  filterVersion?: number;
  edge?: string;
  token?: string;
  json?: boolean;
  dryRun?: boolean;
  wait: boolean;
  progress: boolean;
  pollMs?: number;
};

const DEFAULT_REPEAT = 20;

/** Which flag each field of the spec comes from, so a refusal names the flag. */
const FLAG_OF: Record<string, string> = {
  filter: "FILTER",
  filter_version: "--filter-version",
  oracles: "--oracle",
  "sample.count": "--count",
  "sample.seed": "--seed",
  repeat: "--repeat",
  budget_usd: "--budget",
};

function collectOracle(value: string, previous: BakeoffOracle[] | undefined): BakeoffOracle[] {
  const parsed = parseOracleRef(value);
  if (!parsed.ok) throw usageError(`--oracle ${parsed.issue}`);
  return [...(previous ?? []), parsed.oracle];
}

function integer(flag: string, min: number) {
  return (value: string) => {
    if (!/^-?\d+$/.test(value.trim()) || Number(value) < min)
      throw usageError(`${flag} must be a whole number of at least ${min}, got '${value}'`);
    return Number(value);
  };
}

function dollars(value: string): number {
  const number = Number(value);
  if (value.trim() === "" || !Number.isFinite(number) || number <= 0)
    throw usageError(`--budget must be a positive number of dollars (e.g. 2 or 0.5), got '${value}'`);
  return number;
}

/**
 * The job spec from the command line, or a usage error naming the flag to fix.
 * @example
 * bakeoffSpec("example-energy", { oracle: [a, b], count: 200, repeat: 20, budget: 2, seed: 42, ... })
 */
export function bakeoffSpec(filter: string, flags: BakeoffFlags) {
  const oracles = flags.oracle ?? [];
  if (oracles.length < 2 || oracles.length > BAKEOFF_MAX_ORACLES)
    throw usageError(
      `--oracle: give 2 to ${BAKEOFF_MAX_ORACLES} oracles, one --oracle each (got ${oracles.length}), as ${ORACLE_REF_SYNTAX}`,
    );
  const twice = repeatedOracleRef(oracles);
  if (twice)
    throw usageError(
      `--oracle ${twice} is given twice: each contestant once (two thinking settings of one model may compete: give each its own :thinking)`,
    );
  const parsed = bakeoffJobSpecSchema.safeParse({
    kind: "bakeoff",
    filter,
    ...(flags.filterVersion === undefined ? {} : { filter_version: flags.filterVersion }),
    oracles,
    sample: { count: flags.count, seed: flags.seed },
    repeat: flags.repeat ?? Math.min(DEFAULT_REPEAT, flags.count),
    budget_usd: flags.budget,
    dry_run: flags.dryRun === true,
  });
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const path = issue.path.map(String).join(".");
  const flag = FLAG_OF[path] ?? FLAG_OF[String(issue.path[0])] ?? formatPath(issue.path);
  throw usageError(`${flag}: ${issue.message}`);
}

/**
 * Creates the bake-off and, unless `wait` is off, follows it and prints its report.
 * @example
 * await runBakeoff("example-energy", flags, io);
 */
export async function runBakeoff(filter: string, flags: BakeoffFlags, io: Io): Promise<void> {
  const spec = bakeoffSpec(filter, flags);
  const edge = flags.edge ?? process.env.DISTILLERY_EDGE_URL ?? "http://127.0.0.1:8787";
  const token = flags.token ?? process.env.DISTILLERY_TOKEN;
  if (!token)
    throw usageError(
      "bakeoff needs an admin token (it spends on oracles): pass --token or set DISTILLERY_TOKEN",
    );
  const client = new DistilleryClient({ baseUrl: edge, token });
  const created = await client.createJob(spec);
  io.err(
    `bakeoff: job ${created.id} (${spec.oracles.length} oracles, ${spec.dry_run ? "dry run" : `up to $${spec.budget_usd}`})\n`,
  );
  if (!flags.wait) {
    io.out(flags.json ? `${JSON.stringify(created, null, 2)}\n` : `${created.id}\n`);
    return;
  }
  const job = await followJob(client, created.id, "bakeoff", io, {
    pollMs: flags.pollMs,
    live: flags.progress && process.stderr.isTTY === true,
  });
  if (spec.dry_run) {
    const estimate = resultOf(job, bakeoffEstimateSchema, "a bake-off estimate");
    io.out(flags.json ? `${JSON.stringify(estimate, null, 2)}\n` : formatBakeoffEstimate(estimate));
    return;
  }
  const report = resultOf(job, bakeoffReportSchema, "a bake-off report");
  io.out(flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatBakeoffReport(report));
}

/** The finished job's result as `schema` says, or `result.invalid` naming the first wrong field. */
function resultOf<T>(job: Job, schema: z.ZodType<T>, what: string): T {
  const result = schema.safeParse(job.result);
  if (result.success) return result.data;
  const first = result.error.issues[0];
  throw new DistilleryError(
    "result.invalid",
    `job ${job.id} succeeded but its result is not ${what} (${first ? `${formatPath(first.path)}: ${first.message}` : "invalid"}): the edge may run another version`,
  );
}

export function registerBakeoffCommand(program: Command, io: Io): void {
  program
    .command("bakeoff")
    .description("Compare 2-4 oracles on the same sample before spending on labels (a bakeoff job)")
    .argument("<filter>", "the filter's name")
    .option(
      "--oracle <ref>",
      `an oracle: ${ORACLE_REF_SYNTAX}; repeat 2-4 times. The last ':' segment is thinking only when it is a number or a level, so 'openai:qwen2.5:7b' is the model qwen2.5:7b`,
      collectOracle,
    )
    .option(
      "--count <n>",
      "articles in the stratified sample (passing the prefilter)",
      integer("--count", 1),
      200,
    )
    .option(
      "--repeat <n>",
      "articles of the sample each oracle is asked twice, for self-consistency (default: 20, or --count when smaller)",
      integer("--repeat", 0),
    )
    .requiredOption(
      "--budget <usd>",
      "a cap in dollars on the whole bake-off, every oracle together",
      dollars,
    )
    .option("--filter-version <n>", "a filter version (default: the latest)", integer("--filter-version", 1))
    .option("--seed <n>", "seed of the sample", integer("--seed", 0), 42)
    .option("--edge <url>", "the edge (default: $DISTILLERY_EDGE_URL or http://127.0.0.1:8787)")
    .option("--token <token>", "an admin token (default: $DISTILLERY_TOKEN)")
    .option("--json", "print the report (with --no-wait: the job) as JSON")
    .option("--dry-run", "only draw the sample and estimate each oracle's cost: nothing is sent or spent")
    .option("--no-wait", "create the job, print its id and return")
    .option("--no-progress", "no live progress bar")
    .action(async (filter: string, flags: BakeoffFlags) => {
      await runBakeoff(filter, flags, io);
    });
}
