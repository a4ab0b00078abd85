/**
 * @module
 * What `distill` reads back from Python: the typed train and eval results (the job runner has checked
 * each `result.json` against `pythonTrainResultSchema` / `pythonEvalResultSchema`, refusing a mismatch
 * with `result.invalid`), and the prediction files the eval result names, each line parsed with
 * `predictionSchema`. Out comes the part of the eval report's input that Python provides, exactly as
 * the edge builds it for an eval job: no key is guessed and no figure defaulted.
 */
import { readFile } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import {
  type ConformalCalibration,
  DistilleryError,
  type EvalReportInput,
  type Prediction,
  type PythonEvalResult,
  type PythonTrainResult,
  parseOrThrow,
  predictionSchema,
} from "@distillery/shared";

/** A path a result names: absolute, or relative to that command's `--out` folder. */
export function resultPath(outDir: string, path: string): string {
  return isAbsolute(path) ? path : join(outDir, path);
}

/** A file of `prediction` lines, keyed by article id; a bad line is an error naming file and line. */
export async function readPredictions(file: string): Promise<Map<string, Prediction>> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new DistilleryError("result.invalid", `${file}: ${(error as Error).message}`, { cause: error });
  }
  const predictions = new Map<string, Prediction>();
  for (const [index, line] of text.split("\n").entries()) {
    if (!line.trim()) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new DistilleryError("result.invalid", `${file}:${index + 1}: not JSON`);
    }
    const prediction = parseOrThrow(
      predictionSchema,
      value,
      "result.invalid",
      `prediction at ${file}:${index + 1}`,
    );
    predictions.set(prediction.article_id, prediction);
  }
  return predictions;
}

export type PythonOutputs = Pick<
  EvalReportInput,
  "student" | "lexical" | "conformal" | "model" | "training" | "missing"
> & { conformal: ConformalCalibration | null };

/**
 * The eval report's input from the train and eval results and the files they name.
 * @example
 * const outputs = await readPythonOutputs({ train, trainOut, evaluation, evalOut, modelId: modelDir });
 * buildEvalReport({ filter, train: rows, test, ...outputs });
 */
export async function readPythonOutputs(options: {
  train: PythonTrainResult;
  evaluation: PythonEvalResult;
  evalOut: string;
  modelId: string;
}): Promise<PythonOutputs> {
  const { train, evaluation, evalOut } = options;
  return {
    student: await readPredictions(resultPath(evalOut, evaluation.predictions)),
    lexical: evaluation.lexical_baseline
      ? await readPredictions(resultPath(evalOut, evaluation.lexical_baseline))
      : null,
    conformal: evaluation.conformal,
    model: { id: options.modelId, kind: train.kind, base_model: train.base_model, backend: train.backend },
    training: { curve: train.training_curve, validation: train.validation, missing: train.missing },
    missing: evaluation.missing,
  };
}
