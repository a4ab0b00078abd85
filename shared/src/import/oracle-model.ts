/**
 * @module
 * Which oracle produced a legacy label. LLM Distillery writes it into the analysis as
 * `analyzed_by: "gemini-flash-api-batch"` (provider plus how it was called), into calibration folder
 * names (`calibrations/sustainability-gemini-pro/`) and file names (`claude_labels.jsonl`). We keep
 * the provider part (`gemini-flash`, `gemini-pro`, `claude`): it is what the record says, without
 * guessing a model version it does not name.
 */
import { isMap, readString, type YamlMap } from "./legacy-yaml";

const MODEL_FIELDS = ["oracle_model", "model", "analyzed_by", "llm_provider", "oracle", "provider"];
const CALL_SUFFIX = /[-_](api[-_]?batch|api|batch)$/i;
const MODEL_IN_NAME = /(gemini|claude|gpt|llama|mistral|qwen|deepseek)([-_.][a-z0-9.]+)*/i;

/** Cleans a model name as a record writes it: `gemini-flash-api-batch` → `gemini-flash`. */
export function normaliseModelName(name: string): string {
  let model = name.trim();
  while (CALL_SUFFIX.test(model)) model = model.replace(CALL_SUFFIX, "");
  return model.toLowerCase() || name.trim();
}

/** The model a record names in its analysis object or at its top level, if any. */
export function oracleModelFromRecord(record: YamlMap, analysis: YamlMap | undefined): string | undefined {
  for (const source of [analysis, isMap(record.label) ? record.label : undefined, record]) {
    if (!source) continue;
    for (const field of MODEL_FIELDS) {
      const value = readString(source[field]);
      if (value) return normaliseModelName(value);
    }
  }
  return undefined;
}

/**
 * The model named by a file's path, read from the file name up: `gemini-pro_labels.jsonl` →
 * `gemini-pro`, `calibrations/sustainability-claude/x.jsonl` → `claude`.
 * @example
 * oracleModelFromPath("calibrations/sustainability-gemini-flash/sustainability/labeled_batch_001.jsonl") // "gemini-flash"
 */
export function oracleModelFromPath(path: string): string | undefined {
  const segments = path.split(/[\\/]/).filter(Boolean).reverse();
  for (const segment of segments) {
    const stem = segment.replace(/\.(jsonl|ndjson|json)$/i, "").replace(/[-_]labels?$/i, "");
    const match = MODEL_IN_NAME.exec(stem);
    if (match) return normaliseModelName(match[0]);
  }
  return undefined;
}
