/**
 * @module
 * Node-only helpers of `@distillery/shared` (`@distillery/shared/node`): reading filter packages
 * from disk, and the Python job runner (`runPython`, from `./runner`) that the GPU node agent and the
 * CLI's `distill` both use. Kept apart so the main entry stays free of `node:` imports and runs in
 * workerd.
 */
import { readdir, readFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { DistilleryError } from "../errors";
import { parseFilterPackage } from "../filter/load";
import type { FilterPackage } from "../schemas/filter";

export * from "./hash";
export * from "./runner";
export * from "./wrangler";

/** The built-in filter packages shipped with Distillery (`shared/filters/<name>/v<N>/`). */
export const builtinFiltersDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "filters");

async function readText(path: string, shownAs: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DistilleryError(
      "filter.file_missing",
      code === "ENOENT" ? `${shownAs}: file not found` : `${shownAs}: ${(error as Error).message}`,
      { details: [{ path: shownAs, issue: code === "ENOENT" ? "not found" : String(code) }], cause: error },
    );
  }
}

/**
 * Loads and validates the filter package in `dir` (`filter.yaml` + `prompt.md`).
 * @example
 * const filter = await loadFilterDir("shared/filters/climate-policy/v1");
 */
export async function loadFilterDir(dir: string): Promise<FilterPackage> {
  const shown = relative(process.cwd(), dir) || ".";
  const [filterYaml, promptMd] = await Promise.all([
    readText(join(dir, "filter.yaml"), join(shown, "filter.yaml")),
    readText(join(dir, "prompt.md"), join(shown, "prompt.md")),
  ]);
  return parseFilterPackage({ filterYaml, promptMd, dir: shown });
}

/** Every version of every built-in filter, sorted by name then version. */
export async function loadBuiltinFilters(): Promise<FilterPackage[]> {
  const filters: FilterPackage[] = [];
  for (const name of (await readdir(builtinFiltersDir)).sort()) {
    const versions = (await readdir(join(builtinFiltersDir, name))).filter((v) => /^v\d+$/.test(v));
    versions.sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
    for (const version of versions) filters.push(await loadFilterDir(join(builtinFiltersDir, name, version)));
  }
  return filters;
}

/** Resolves `nameOrDir` as a built-in filter name (latest version, or `name@N`) or a package directory. */
export async function resolveFilter(nameOrDir: string): Promise<FilterPackage> {
  const match = /^([a-z][a-z0-9_-]*)(?:@(\d+))?$/.exec(nameOrDir);
  if (match) {
    const builtins = (await loadBuiltinFilters()).filter((f) => f.name === match[1]);
    const wanted = match[2] ? builtins.find((f) => f.version === Number(match[2])) : builtins.at(-1);
    if (wanted) return wanted;
  }
  return loadFilterDir(nameOrDir);
}
