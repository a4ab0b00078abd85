/**
 * @module
 * Reading an LLM Distillery filter folder (`config.yaml` + `prompt*.md`) and writing the converted
 * package (`filter.yaml` + `prompt.md`). Which prompt: `--prompt` if given, else
 * `prompt-compressed.md` (the one LLM Distillery's batch labeller sends), else `prompt.md`, else the
 * only `prompt*.md` in the folder.
 */
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import {
  type ConvertedFilter,
  type ConvertFilterOptions,
  convertLegacyFilterConfig,
  convertLegacyPrompt,
  importedFilterYaml,
} from "@distillery/shared";
import { loadFilterDir } from "@distillery/shared/node";
import { usageError } from "../errors";

const PROMPT_PREFERENCE = ["prompt-compressed.md", "prompt.md"];

export type LegacyFilterSource = { dir: string; configFile: string; promptFile: string };

/** Finds the config and prompt of a legacy filter folder, or says what is missing. */
export async function findLegacyFilterFiles(dir: string, promptFile?: string): Promise<LegacyFilterSource> {
  const configFile = join(dir, "config.yaml");
  if (!existsSync(configFile))
    throw usageError(`${dir}: no config.yaml (an LLM Distillery filter folder has one)`);
  if (promptFile) {
    if (!existsSync(promptFile)) throw usageError(`${promptFile}: file not found`);
    return { dir, configFile, promptFile };
  }
  const names = await readdir(dir);
  const preferred = PROMPT_PREFERENCE.find((name) => names.includes(name));
  const prompts = names.filter((name) => /^prompt.*\.md$/i.test(name)).sort();
  const chosen = preferred ?? (prompts.length === 1 ? prompts[0] : undefined);
  if (!chosen)
    throw usageError(
      prompts.length === 0
        ? `${dir}: no prompt*.md next to config.yaml; pass --prompt <file>`
        : `${dir}: several prompts (${prompts.join(", ")}); pick one with --prompt <file>`,
    );
  return { dir, configFile, promptFile: join(dir, chosen) };
}

export type ConvertedLegacyFilter = ConvertedFilter & {
  source: LegacyFilterSource;
  filterYaml: string;
  /** Prompt lines removed as the article placeholder section. */
  stripped: string[];
};

/** Reads and converts a legacy filter folder (nothing is written). */
export async function convertLegacyFilterDir(
  dir: string,
  options: ConvertFilterOptions & { prompt?: string } = {},
): Promise<ConvertedLegacyFilter> {
  const source = await findLegacyFilterFiles(dir, options.prompt);
  const [configText, promptText] = await Promise.all([
    readFile(source.configFile, "utf8"),
    readFile(source.promptFile, "utf8"),
  ]);
  const converted = convertLegacyFilterConfig(configText, promptText, options);
  // Named in the header comment of filter.yaml: a path inside the working directory, else the last folders.
  const relativeConfig = relative(process.cwd(), source.configFile);
  const shownConfig = relativeConfig.startsWith("..")
    ? source.configFile.split(sep).slice(-4).join("/")
    : relativeConfig;
  return {
    ...converted,
    source,
    filterYaml: importedFilterYaml(converted, shownConfig),
    stripped: convertLegacyPrompt(promptText).stripped,
  };
}

/**
 * Writes `filter.yaml` and `prompt.md` into `outDir` and loads them back with the package loader,
 * so what was written is known to be a valid package.
 */
export async function writeFilterPackage(
  converted: Pick<ConvertedLegacyFilter, "filterYaml" | "prompt">,
  outDir: string,
  force: boolean,
) {
  const filterFile = join(outDir, "filter.yaml");
  if (!force && existsSync(filterFile)) throw usageError(`${filterFile} exists; pass --force to replace it`);
  await mkdir(outDir, { recursive: true });
  await writeFile(filterFile, converted.filterYaml);
  await writeFile(join(outDir, "prompt.md"), converted.prompt);
  return loadFilterDir(outDir);
}
