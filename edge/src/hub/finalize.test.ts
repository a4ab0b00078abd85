/**
 * Finalizing GPU jobs inside workerd, from typed node results to typed job results: a train job
 * registers its model with what the trainer reported, an eval job builds the full report from the
 * stored predictions (the student's own categories), the node's lexical baseline and conformal
 * calibration and the model's train result. Every job result conforms to `jobResultSchemas[kind]`.
 */
import { env } from "cloudflare:test";
import {
  type DatasetRow,
  evalReportSchema,
  exampleFilter,
  jobResultSchemas,
  type NodeEvalResult,
  type NodeTrainResult,
  type Prediction,
  postfilter,
} from "@distillery/shared";
import { beforeAll, describe, expect, it } from "vitest";
import { call, makeToken, storeFilter } from "../../test/helpers";
import { newId } from "../db/client";
import { evalReportKey } from "../jobs/reports";
import { datasetRowsKey } from "../oracle/datasets";
import { storeChunk } from "./chunks";
import { modelIdForTrainJob } from "./context";
import { artifactKey, finalizeJob, modelMetricsSchema } from "./finalize";
import { parseNodeResult } from "./results";

const filter = exampleFilter();
const datasetId = newId("ds");

/**
 * Rows of a split with varied scores; every third test article is a press release (capped at 5), and
 * the first one would be high without its cap.
 */
function rows(split: DatasetRow["split"], count: number): DatasetRow[] {
  return Array.from({ length: count }, (_, i) => {
    const scores =
      i === 0
        ? { deployment: 9, impact: 8, evidence: 8 }
        : { deployment: 3 + ((i * 2) % 7), impact: (i * 3) % 10, evidence: (i * 5) % 10 };
    const categories = { content_type: split === "test" && i % 3 === 0 ? "press_release" : "news" };
    const { overall, tier } = postfilter(filter, scores, categories);
    return {
      article_id: `${datasetId}-${split}-${i}`,
      split,
      url: "",
      title: `Article ${i}`,
      body: "Heat pumps and wind farms.",
      language: i % 2 ? "en" : "nl",
      source: "test",
      scores,
      reasons: {},
      categories,
      overall,
      tier,
    };
  });
}

const train = rows("train", 24);
const test = rows("test", 12);

const trained: NodeTrainResult = {
  kind: "probe",
  base_model: "packaged:all-MiniLM-L6-v2",
  backend: "onnxruntime",
  device: "cpu",
  artifact_bytes: 1234,
  training_curve: {
    unit: "train_articles",
    points: [
      { x: 8, loss: 0.4, val_loss: 1.2 },
      { x: 24, loss: 0.5, val_loss: 0.9 },
    ],
  },
  validation: {
    method: "5-fold cross-fitting over train+validation",
    n: 30,
    dimension_mae: 0.9,
    per_dimension: { deployment: 0.8, impact: 1, evidence: 0.9 },
    lexical_dimension_mae: 1.1,
    category_accuracy: { content_type: 0.8 },
  },
  calibration: {
    deployment: { mae_before: 1, mae_after: 0.8, applied: true },
    impact: { mae_before: 1, mae_after: 1, applied: false },
    evidence: { mae_before: 1, mae_after: 0.9, applied: true },
  },
  missing: {},
  details: { heads: "ridge" },
  artifact: { sha256: "feed", bytes: 99 },
};

/** The student: the oracle's scores + 0.3, always answering `news` (so it never caps a press release). */
function studentPrediction(row: DatasetRow): Prediction {
  const scores = Object.fromEntries(Object.entries(row.scores).map(([k, v]) => [k, Math.min(10, v + 0.3)]));
  return {
    article_id: row.article_id,
    scores,
    uncalibrated_scores: Object.fromEntries(Object.entries(row.scores).map(([k, v]) => [k, v])),
    categories: { content_type: "news" },
    overall_scale: 1,
  };
}

const evaluated: NodeEvalResult = {
  kind: "probe",
  n: test.length,
  articles_per_s: 50,
  conformal: {
    method: "normalized",
    scores: [0.1, 0.2, 0.4, 0.8, 1.2, 1.6],
    default_coverage: 0.9,
    data: "out-of-fold over train+validation",
  },
  lexical_baseline: test.map((row) => ({
    article_id: row.article_id,
    scores: { deployment: 5, impact: 5, evidence: 5 },
    categories: { content_type: "news" },
  })),
  parse: null,
  missing: {},
};

let modelId: string;
const trainJobId = newId("job");

beforeAll(async () => {
  await storeFilter(filter);
  await env.DB.prepare(
    "INSERT INTO datasets (id, filter, filter_version, seed, report, content_hash) VALUES (?, ?, 1, 42, '{}', 'h')",
  )
    .bind(datasetId, filter.name)
    .run();
  for (const [split, splitRows] of [
    ["train", train],
    ["test", test],
  ] as const) {
    await env.BUCKET.put(
      datasetRowsKey(datasetId, split),
      splitRows.map((r) => JSON.stringify(r)).join("\n"),
    );
  }
  modelId = modelIdForTrainJob(trainJobId);
  await env.BUCKET.put(artifactKey(modelId), "model bytes", { customMetadata: { sha256: "feed" } });
});

describe("finalizing GPU jobs", () => {
  it("registers a trained model with the trainer's kind, base model, backend and whole train result", async () => {
    const spec = {
      kind: "train" as const,
      dataset_id: datasetId,
      student: {},
      early_stopping_patience: null,
    };
    const result = jobResultSchemas.train.parse(await finalizeJob(env, { id: trainJobId, spec }, [trained]));
    expect(result).toMatchObject({ model_id: modelId, artifact_sha256: "feed", kind: "probe" });
    expect(result.training_curve).toEqual(trained.training_curve);
    const token = await makeToken("bot");
    const model = (await (await call(`/v1/models/${modelId}`, { token })).json()) as Record<string, unknown>;
    expect(model).toMatchObject({
      kind: "probe",
      base_model: "packaged:all-MiniLM-L6-v2",
      backend: "onnxruntime",
    });
    const { artifact: _artifact, ...withoutArtifact } = trained;
    expect(modelMetricsSchema.parse(model.metrics).train).toEqual(withoutArtifact);
  });

  it("refuses a node result that breaks the contract, naming the field", async () => {
    const spec = {
      kind: "train" as const,
      dataset_id: datasetId,
      student: {},
      early_stopping_patience: null,
    };
    const { base_model: _dropped, ...noBaseModel } = trained;
    await expect(finalizeJob(env, { id: newId("job"), spec }, [noBaseModel])).rejects.toMatchObject({
      code: "result.invalid",
      details: [{ path: "base_model" }],
    });
    expect(() =>
      parseNodeResult("eval", { ...evaluated, conformal: { ...evaluated.conformal, scores: ["x"] } }),
    ).toThrow(/conformal\.scores\[0\]/);
    expect(() => parseNodeResult("infer", { predictions: 3 })).toThrow(/invalid infer result/);
  });

  it("stores predictions with the student's own categories and builds a complete eval report", async () => {
    const evalJobId = newId("job");
    const predictions = test.map(studentPrediction);
    await storeChunk(env, { jobId: evalJobId, modelId, filter }, { shard: 0, chunk_index: 0, predictions });
    // A press release the oracle capped at 5 (medium) that the student calls news stays high: its tier
    // comes from the student's answer, never the oracle's.
    const pressRelease = test[0]!;
    expect(pressRelease).toMatchObject({ categories: { content_type: "press_release" }, tier: "medium" });
    const stored = await env.DB.prepare(
      "SELECT tier, categories, overall_scale FROM predictions WHERE job_id = ? AND article_id = ?",
    )
      .bind(evalJobId, pressRelease.article_id)
      .first<{ tier: string; categories: string; overall_scale: number }>();
    expect(stored).toEqual({
      tier: postfilter(filter, studentPrediction(pressRelease).scores, { content_type: "news" }).tier,
      categories: JSON.stringify({ content_type: "news" }),
      overall_scale: 1,
    });
    expect(stored?.tier).not.toBe(pressRelease.tier);

    const spec = { kind: "eval" as const, model_id: modelId };
    const result = jobResultSchemas.eval.parse(await finalizeJob(env, { id: evalJobId, spec }, [evaluated]));
    expect(result).toMatchObject({
      model_id: modelId,
      n_test: test.length,
      report_key: evalReportKey(evalJobId),
    });

    const report = evalReportSchema.parse(await (await env.BUCKET.get(evalReportKey(evalJobId)))!.json());
    expect(report.model).toEqual({
      id: modelId,
      kind: "probe",
      base_model: "packaged:all-MiniLM-L6-v2",
      backend: "onnxruntime",
    });
    expect(report.metrics).toEqual(result.metrics);
    expect(report.baselines.lexical?.n).toBe(test.length);
    expect(report.training_curve).toEqual(trained.training_curve);
    expect(report.validation).toEqual(trained.validation);
    expect(report.calibration).not.toBeNull();
    expect(report.categories.content_type?.n).toBe(test.length);
    expect(report.categories.content_type?.accuracy).toBeLessThan(1);
    expect(report.cascade[0]).toMatchObject({
      coverage: null,
      tier_agreement: report.metrics.tier_agreement,
    });
    for (const field of [
      "baselines.lexical",
      "training_curve",
      "validation",
      "calibration",
      "cascade",
      "categories",
    ])
      expect(report.missing[field]).toBeUndefined();

    const token = await makeToken("bot");
    const model = (await (await call(`/v1/models/${modelId}`, { token })).json()) as { metrics: unknown };
    expect(modelMetricsSchema.parse(model.metrics)).toMatchObject({
      eval_job_id: evalJobId,
      eval: { n: test.length },
      train: { kind: "probe" },
    });

    const csv = await (
      await call(`/v1/exports/predictions?job_id=${evalJobId}&format=csv`, { token })
    ).text();
    const [header, first] = csv.trim().split("\n");
    expect(header?.split(",")).toEqual(expect.arrayContaining(["deployment", "content_type"]));
    expect(first?.split(",").at(-1)).toBe("news");
    const ndjson = await (
      await call(`/v1/exports/predictions?job_id=${evalJobId}&format=ndjson`, { token })
    ).text();
    expect(JSON.parse(ndjson.split("\n")[0]!)).toMatchObject({
      categories: { content_type: "news" },
      overall_scale: 1,
    });
  });

  it("fails an eval job whose stored predictions miss test articles instead of scoring only the rest", async () => {
    const evalJobId = newId("job");
    const predictions = test.slice(1).map(studentPrediction);
    await storeChunk(env, { jobId: evalJobId, modelId, filter }, { shard: 0, chunk_index: 0, predictions });
    const spec = { kind: "eval" as const, model_id: modelId };
    await expect(finalizeJob(env, { id: evalJobId, spec }, [evaluated])).rejects.toMatchObject({
      code: "eval.predictions_missing",
    });
  });

  it("says why a model registered before typed train results has no curve", async () => {
    const oldModel = newId("mdl");
    await env.DB.prepare(
      `INSERT INTO student_models (id, filter, filter_version, dataset_id, job_id, kind, base_model, backend, metrics, artifact_key)
       VALUES (?, ?, 1, ?, 'job_old', 'probe', 'packaged:all-MiniLM-L6-v2', 'onnxruntime', '{"train_loss":0.4}', 'k')`,
    )
      .bind(oldModel, filter.name, datasetId)
      .run();
    const evalJobId = newId("job");
    const predictions = test.map(studentPrediction);
    await storeChunk(
      env,
      { jobId: evalJobId, modelId: oldModel, filter },
      { shard: 0, chunk_index: 0, predictions },
    );
    const spec = { kind: "eval" as const, model_id: oldModel };
    await finalizeJob(env, { id: evalJobId, spec }, [
      { ...evaluated, lexical_baseline: null, missing: { lexical_baseline: "no train split" } },
    ]);
    const report = evalReportSchema.parse(await (await env.BUCKET.get(evalReportKey(evalJobId)))!.json());
    expect(report.training_curve).toBeNull();
    expect(report.missing.training_curve).toMatch(/retrain/);
    expect(report.baselines.lexical).toBeNull();
    expect(report.missing["baselines.lexical"]).toBe("no train split");
  });
});
