/**
 * @module
 * Resolves `--filter`: a filter package directory (`filter.yaml` + `prompt.md`), an LLM Distillery
 * filter folder (`config.yaml` + `prompt*.md`, converted in memory), or the name of a built-in filter
 * (`name` for its latest version, `name@N` for another).
 */
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { type FilterPackage, parseFilterPackage } from "@distillery/shared";
import { loadBuiltinFilters, loadFilterDir } from "@distillery/shared/node";
import { usageError } from "../errors";
import { convertLegacyFilterDir } from "./legacy-dir";

export type ResolvedFilter = {
  filter: FilterPackage;
  /** What the conversion of a legacy folder noted; empty for our own packages. */
  notes: string[];
};

/** Loads the filter `--filter` names. */
export async function resolveFilterOption(nameOrDir: string): Promise<ResolvedFilter> {
  if (existsSync(nameOrDir) && statSync(nameOrDir).isDirectory()) {
    if (existsSync(join(nameOrDir, "filter.yaml")))
      return { filter: await loadFilterDir(nameOrDir), notes: [] };
    if (existsSync(join(nameOrDir, "config.yaml"))) {
      const converted = await convertLegacyFilterDir(nameOrDir);
      const filter = parseFilterPackage({
        filterYaml: converted.filterYaml,
        promptMd: converted.prompt,
        dir: nameOrDir,
      });
      const notes = converted.warnings.map((w) => `${w.path}: ${w.message}`);
      return { filter, notes: [`converted the LLM Distillery filter in ${nameOrDir}`, ...notes] };
    }
    throw usageError(
      `${nameOrDir}: neither a filter package (filter.yaml) nor an LLM Distillery filter (config.yaml)`,
    );
  }
  const match = /^([a-z][a-z0-9_-]*)(?:@(\d+))?$/.exec(nameOrDir);
  const builtins = await loadBuiltinFilters();
  if (match) {
    const versions = builtins.filter((f) => f.name === match[1]);
    const wanted = match[2] ? versions.find((f) => f.version === Number(match[2])) : versions.at(-1);
    if (wanted) return { filter: wanted, notes: [] };
  }
  const names = [...new Set(builtins.map((f) => f.name))].join(", ");
  throw usageError(`--filter ${nameOrDir}: no such directory or built-in filter (built-in: ${names})`);
}
