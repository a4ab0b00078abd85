/**
 * @module
 * `distillery import`: bring an LLM Distillery project over.
 * - `import filter <dir> [--out DIR]` converts a legacy filter folder into our package;
 * - `import labels <file|dir...> --filter <pkg> [--rename old=new ...] [--out labels.ndjson]`
 *   imports scored records as oracle labels.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { DistilleryError } from "@distillery/shared";
import type { Command } from "commander";
import { usageError } from "../errors";
import { importLabels } from "../import/labels";
import { convertLegacyFilterDir, writeFilterPackage } from "../import/legacy-dir";
import { resolveFilterOption } from "../import/resolve-filter";
import { formatImportSummary } from "../import/summary";
import type { Io } from "../io";

/** Skipped records printed one by one before the rest are only counted. */
const MAX_REPORTED_SKIPS = 50;

export function registerImportCommand(program: Command, io: Io): void {
  const command = program
    .command("import")
    .description("Import filters and oracle labels from the Python LLM Distillery (see docs/import.md)");

  command
    .command("filter")
    .description(
      "Convert an LLM Distillery filter folder (config.yaml + prompt*.md) into filter.yaml + prompt.md",
    )
    .argument("<dir>", "the legacy filter folder, e.g. filters/uplifting/v4")
    .option("--out <dir>", "where to write the package (default: <name>/v<version>)")
    .option("--name <name>", "our filter name (default: the legacy name)")
    .option(
      "--version <n>",
      "our filter version, a whole number (default: the legacy major version)",
      parseVersion,
    )
    .option("--languages <codes>", "comma-separated ISO 639-1 codes, e.g. en,nl (default: en)", parseList)
    .option("--prompt <file>", "the prompt file (default: prompt-compressed.md, else prompt.md)")
    .option("--force", "replace an existing filter.yaml", false)
    .action(async (dir: string, options: FilterOptions) => {
      const converted = await convertLegacyFilterDir(dir, options);
      for (const warning of converted.warnings)
        io.err(`distillery: note: ${warning.path}: ${warning.message}\n`);
      const outDir = options.out ?? join(converted.config.name, `v${converted.config.version}`);
      const filter = await writeFilterPackage(converted, outDir, options.force);
      io.out(
        `wrote ${join(outDir, "filter.yaml")} and ${join(outDir, "prompt.md")}: filter '${filter.name}' v${filter.version}, ` +
          `${filter.dimensions.length} dimensions, ${filter.gatekeepers.length} gatekeepers, ${filter.tiers.length} tiers, ` +
          `${filter.categories.length} categories (prompt from ${converted.source.promptFile})\n`,
      );
      if (converted.stripped.length > 0)
        io.out(`removed the article placeholder lines from the prompt: ${converted.stripped.join(" / ")}\n`);
    });

  command
    .command("labels")
    .description("Import scored records (LLM Distillery JSONL or our NDJSON) as oracle labels")
    .argument("<paths...>", "JSONL files or folders (searched recursively for .jsonl/.ndjson)")
    .requiredOption(
      "--filter <filter>",
      "a filter package folder, an LLM Distillery filter folder, or a built-in name",
    )
    .option(
      "--rename <old=new>",
      "map a record's dimension name to the filter's (repeatable)",
      collectRename,
      {},
    )
    .option(
      "--model <model>",
      "oracle model for records that name none (default: from the folder name, else unknown)",
    )
    .option(
      "--prompt <file>",
      "the prompt the labels were made with, for prompt_hash (default: the filter's)",
    )
    .option("--out <file>", "output NDJSON file, or - for stdout", "labels.ndjson")
    .option("--strict", "exit with an error when any record was skipped", false)
    .action(async (paths: string[], options: LabelsOptions) => {
      const { filter, notes } = await resolveFilterOption(options.filter);
      for (const note of notes) io.err(`distillery: note: ${note}\n`);
      const unknown = Object.values(options.rename).filter(
        (key) => !filter.dimensions.some((d) => d.key === key),
      );
      if (unknown.length > 0)
        throw usageError(
          `--rename to ${unknown.join(", ")}: not a dimension of '${filter.name}' (${filter.dimensions.map((d) => d.key).join(", ")})`,
        );
      let reported = 0;
      const summary = await importLabels({
        paths,
        filter,
        rename: options.rename,
        model: options.model,
        promptText: options.prompt ? await readFile(options.prompt, "utf8") : undefined,
        out: options.out,
        writeLine: (line) => io.out(line),
        onSkip: (location, _code, message) => {
          reported++;
          if (reported <= MAX_REPORTED_SKIPS) io.err(`distillery: ${location}: ${message}\n`);
          else if (reported === MAX_REPORTED_SKIPS + 1)
            io.err("distillery: further skipped records are only counted\n");
        },
      });
      const text = formatImportSummary(summary);
      if (options.out === "-") io.err(text);
      else io.out(text);
      if (summary.imported === 0)
        throw new DistilleryError("import.nothing", `no labels imported from ${paths.join(", ")}`);
      const skipped = Object.values(summary.skipped).reduce((total, n) => total + n, 0);
      if (options.strict && skipped > 0) throw new Error(`--strict: ${skipped} record(s) skipped`);
    });
}

type FilterOptions = {
  out?: string;
  name?: string;
  version?: number;
  languages?: string[];
  prompt?: string;
  force: boolean;
};

type LabelsOptions = {
  filter: string;
  rename: Record<string, string>;
  model?: string;
  prompt?: string;
  out: string;
  strict: boolean;
};

function parseVersion(value: string): number {
  const version = Number(value);
  if (!Number.isInteger(version) || version < 1)
    throw usageError(`--version ${value}: expected a whole number from 1`);
  return version;
}

function parseList(value: string): string[] {
  return value
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean);
}

function collectRename(value: string, previous: Record<string, string>): Record<string, string> {
  const match = /^([^=\s]+)=([^=\s]+)$/.exec(value);
  if (!match) throw usageError(`--rename ${value}: expected <record-name>=<filter-dimension>`);
  return { ...previous, [match[1]!]: match[2]! };
}
