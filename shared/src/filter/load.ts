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
  const tooDeep = deepFlowLine(files.filterYaml);
  if (tooDeep) {
    throw invalid([
      { path: `${yamlFile}:${tooDeep}`, issue: `brackets nested deeper than ${MAX_YAML_FLOW_DEPTH} levels` },
    ]);
  }
  const lineCounter = new LineCounter();
  const doc = readYaml(() => parseDocument(files.filterYaml, { lineCounter }), yamlFile);
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
  const config: unknown = readYaml(() => doc.toJS({ maxAliasCount: MAX_YAML_ALIASES }), yamlFile);
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

/** Alias expansions allowed while building the value: a filter needs few; a "billion laughs" needs many. */
const MAX_YAML_ALIASES = 100;

/** Deepest `[`/`{` nesting accepted; the YAML library recurses per level and overflows past ~1,000. */
const MAX_YAML_FLOW_DEPTH = 64;

/**
 * The line where `[`/`{` nesting first passes `MAX_YAML_FLOW_DEPTH`, or 0. A plain count (brackets in
 * quotes and comments count too) that runs before the parser, so hostile nesting costs a scan rather
 * than seconds of parser recursion; no real filter comes near the limit.
 */
function deepFlowLine(text: string): number {
  let depth = 0;
  let line = 1;
  for (let index = 0; index < text.length; index++) {
    const char = text.charCodeAt(index);
    if (char === 10) line++;
    else if (char === 91 || char === 123) {
      if (++depth > MAX_YAML_FLOW_DEPTH) return line;
    } else if ((char === 93 || char === 125) && depth > 0) depth--;
  }
  return 0;
}

/**
 * Runs a step of the YAML library, turning what it throws (too many aliases, nesting too deep for the
 * stack) into `filter.invalid` on the file, with the line when the library knows it.
 */
function readYaml<T>(step: () => T, yamlFile: string): T {
  try {
    return step();
  } catch (error) {
    const line = (error as { linePos?: { line: number }[] }).linePos?.[0]?.line;
    const issue =
      error instanceof RangeError
        ? "nested too deeply"
        : error instanceof ReferenceError && /alias/i.test(error.message)
          ? `more than ${MAX_YAML_ALIASES} alias expansions; write the values out`
          : (String((error as Error).message ?? error).split("\n")[0] ?? "invalid YAML");
    throw invalid([{ path: line ? `${yamlFile}:${line}` : yamlFile, issue }]);
  }
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
