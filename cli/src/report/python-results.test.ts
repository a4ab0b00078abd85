import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pythonEvalResultSchema, pythonTrainResultSchema } from "@distillery/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readPredictions, readPythonOutputs } from "./python-results";

const parseTrainResult = (value: unknown) => pythonTrainResultSchema.parse(value);
const parseEvalResult = (value: unknown) => pythonEvalResultSchema.parse(value);

const trainResult = {
  command: "train",
  job_id: "distill-train",
  kind: "probe",
  base_model: "packaged:multilingual-e5-small",
  backend: "onnxruntime-int8",
  device: "cpu",
  model_dir: "model",
  artifact_bytes: 2048,
  training_curve: { unit: "train_articles", points: [{ x: 100, loss: 0.6, val_loss: 0.9 }] },
  validation: {
    method: "5-fold cross-fitting over train+validation",
    n: 220,
    dimension_mae: 0.7,
    per_dimension: { maturity: 0.7 },
    lexical_dimension_mae: 0.8,
    category_accuracy: {},
  },
  calibration: null,
  missing: { calibration: "reported on the test split" },
};

const evalResult = {
  command: "eval",
  job_id: "distill-eval",
  kind: "probe",
  n: 2,
  predictions: "predictions.jsonl",
  articles_per_s: 40,
  conformal: { method: "normalized", scores: [0.2, 0.5, 1], default_coverage: 0.9, data: "out-of-fold" },
  lexical_baseline: "lexical.jsonl",
};

const prediction = (id: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ article_id: id, scores: { maturity: 5 }, ...extra });

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "python-results-"));
  await writeFile(
    join(dir, "predictions.jsonl"),
    `${prediction("a1", { categories: { kind: "news" }, overall_scale: 0.8, uncalibrated_scores: { maturity: 5.4 } })}\n${prediction("a2")}\n`,
  );
  await writeFile(join(dir, "lexical.jsonl"), `${prediction("a1")}\n${prediction("a2")}\n`);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("reading Python's results", () => {
  it("takes the model, curve, validation, calibration and predictions from the typed fields", async () => {
    const outputs = await readPythonOutputs({
      train: parseTrainResult(trainResult),
      evaluation: parseEvalResult(evalResult),
      evalOut: dir,
      modelId: "/out/jobs/train/out/model",
    });
    expect(outputs.model).toEqual({
      id: "/out/jobs/train/out/model",
      kind: "probe",
      base_model: "packaged:multilingual-e5-small",
      backend: "onnxruntime-int8",
    });
    expect(outputs.training).toEqual({
      curve: trainResult.training_curve,
      validation: trainResult.validation,
      missing: trainResult.missing,
    });
    expect(outputs.conformal?.method).toBe("normalized");
    expect(outputs.student.get("a1")).toMatchObject({ categories: { kind: "news" }, overall_scale: 0.8 });
    expect([...outputs.lexical!.keys()]).toEqual(["a1", "a2"]);
    expect(outputs.missing).toEqual({});
  });

  it("has no lexical predictions, and passes the reason on, when the eval result names no file", async () => {
    const outputs = await readPythonOutputs({
      train: parseTrainResult(trainResult),
      evaluation: parseEvalResult({
        ...evalResult,
        lexical_baseline: null,
        missing: { lexical_baseline: "the job had no train split" },
      }),
      evalOut: dir,
      modelId: "m",
    });
    expect(outputs.lexical).toBeNull();
    expect(outputs.missing).toEqual({ lexical_baseline: "the job had no train split" });
  });

  it("names the file and line of a prediction that does not parse", async () => {
    const file = join(dir, "bad.jsonl");
    await writeFile(file, `${prediction("a1")}\n{"article_id":"a2","scores":{"maturity":"high"}}\n`);
    await expect(readPredictions(file)).rejects.toThrow(/bad\.jsonl:2: scores\.maturity/);
  });
});
