/**
 * @module
 * Builds `distill`'s report: the shared evaluation report (`buildEvalReport`, the same one the edge
 * stores for an eval job) plus what only a file-based run knows: the labels imported, the dataset's
 * validation report and where the cascade goal is met (the point with nothing sent counts). Pure; the command
 * reads the files and writes the result.
 */
import {
  buildEvalReport,
  CASCADE_GOAL,
  cascadeGoalPoint,
  type DatasetReport,
  type DistillReport,
  distillReportSchema,
  type EvalReportInput,
  oraclePricePerCall,
} from "@distillery/shared";

export type DistillReportInput = EvalReportInput & {
  dataset: DatasetReport;
  labels: DistillReport["labels"];
};

/**
 * The report; validated against `distillReportSchema` before it is returned.
 * @example
 * const report = buildDistillReport({ filter, train, test, student, lexical: null, ... });
 */
export function buildDistillReport(input: DistillReportInput): DistillReport {
  const report = buildEvalReport(input);
  return distillReportSchema.parse({
    ...report,
    labels: input.labels,
    dataset: input.dataset,
    cascade_goal: {
      ...CASCADE_GOAL,
      oracle_model: input.filter.oracle.model,
      usd_per_oracle_call: oraclePricePerCall(input.filter, input.test),
      met_at: cascadeGoalPoint(report.cascade),
    },
  });
}
