/**
 * @module
 * The JSON Schemas Python validates against, generated from the zod schemas so the two sides can
 * never disagree. `npm run -w shared schemas` writes them to `shared/schemas/`; a test fails when the
 * committed files are stale.
 */
import { z } from "zod";
import { datasetRowSchema } from "./schemas/dataset";
import { filterPackageSchema } from "./schemas/filter";
import { pythonEventSchema, pythonJobFileSchema } from "./schemas/job";
import { inferInputRowSchema, predictionSchema } from "./schemas/prediction";
import { distillReportSchema, evalReportSchema } from "./schemas/report";
import { pythonDoctorResultSchema, pythonResultSchema } from "./schemas/result";

/** File name (without `.json`) → schema, and whether Python reads the input form (defaults optional). */
export const PYTHON_SCHEMAS = {
  "python-job-file": { schema: pythonJobFileSchema, io: "input" },
  "python-event": { schema: pythonEventSchema, io: "output" },
  "dataset-row": { schema: datasetRowSchema, io: "input" },
  "infer-input-row": { schema: inferInputRowSchema, io: "input" },
  prediction: { schema: predictionSchema, io: "output" },
  "filter-package": { schema: filterPackageSchema, io: "input" },
  "eval-report": { schema: evalReportSchema, io: "output" },
  "distill-report": { schema: distillReportSchema, io: "output" },
  /** `result.json` of train, eval, infer and bench (one branch per `command`). */
  "python-result": { schema: pythonResultSchema, io: "output" },
  "python-doctor-result": { schema: pythonDoctorResultSchema, io: "output" },
} as const;

/** Renders every Python-facing schema as pretty JSON text, keyed by file name. */
export function renderPythonSchemas(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [name, { schema, io }] of Object.entries(PYTHON_SCHEMAS)) {
    const json = z.toJSONSchema(schema as z.ZodType, { io, unrepresentable: "any", target: "draft-2020-12" });
    files[`${name}.json`] = `${JSON.stringify({ ...json, title: name }, null, 2)}\n`;
  }
  return files;
}
