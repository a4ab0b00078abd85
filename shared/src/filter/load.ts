/**
 * @module
 * Parses and validates a filter package from its two files' text (`filter.yaml`, `prompt.md`). Pure:
 * the caller reads the files (Node: `loadFilterDir`; the edge: the request body). Every problem is
 * reported with the file, the line where YAML knows it, the path inside the file and what is wrong,
 * e.g. `filter.yaml:14 dimensions: weights sum to 0.95, expected 1.0`.
 */
import { isNode, LineCounter, parseDocument } from "yaml";
import { DistilleryError, type ErrorDetail, formatPath } from "../errors";
import { type FilterPackage, filterPackageSchema } from "../schemas/filter";

export type FilterFiles = {
  filterYaml: string;
  promptMd: string;
  /** Where the files came from, to name them in errors (e.g. `filters/climate-policy/v1`). */
  dir?: string;
};

/**
 * Parses a filter package and applies every rule of the format.
 * @example
 * const filter = parseFilterPackage({ filterYaml, promptMd, dir: "filters/climate-policy/v1" });
 */
export function parseFilterPackage(files: FilterFiles): FilterPackage {
  const yamlFile = files.dir ? `${files.dir}/filter.yaml` : "filter.yaml";
  const promptFile = files.dir ? `${files.dir}/prompt.md` : "prompt.md";
  const lineCounter = new LineCounter();
  const doc = parseDocument(files.filterYaml, { lineCounter });
  if (doc.errors.length > 0) {
    const details = doc.errors.map((error) => {
      const line = error.linePos?.[0]?.line;
      return {
        path: line ? `${yamlFile}:${line}` : yamlFile,
        issue: error.message.split("\n")[0] ?? "invalid YAML",
      };
    });
    throw invalid(details);
  }
  const config: unknown = doc.toJS();
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    throw invalid([{ path: yamlFile, issue: "expected a mapping of filter settings at the top level" }]);
  }
  if (files.promptMd.trim().length === 0) {
    throw invalid([{ path: promptFile, issue: "the prompt is empty" }]);
  }
  const result = filterPackageSchema.safeParse({ ...config, prompt: files.promptMd });
  if (result.success) return result.data;
  const details = result.error.issues.map((issue): ErrorDetail => {
    if (issue.path[0] === "prompt") return { path: promptFile, issue: issue.message };
    const line = lineOf(doc, lineCounter, issue.path);
    const where = line ? `${yamlFile}:${line}` : yamlFile;
    return { path: `${where} ${formatPath(issue.path)}`, issue: issue.message };
  });
  throw invalid(details);
}

function invalid(details: ErrorDetail[]): DistilleryError {
  const first = details[0]!;
  const more = details.length > 1 ? ` (and ${details.length - 1} more)` : "";
  return new DistilleryError("filter.invalid", `${first.path}: ${first.issue}${more}`, { details });
}

/** The line of the deepest node that exists on `path` (a missing key points at its parent). */
function lineOf(
  doc: ReturnType<typeof parseDocument>,
  lineCounter: LineCounter,
  path: ReadonlyArray<PropertyKey>,
): number | undefined {
  const keys = path.map((part) => (typeof part === "symbol" ? String(part) : part)) as (string | number)[];
  for (let length = keys.length; length >= 0; length--) {
    const node = length === 0 ? doc.contents : doc.getIn(keys.slice(0, length), true);
    if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
  }
  return undefined;
}
