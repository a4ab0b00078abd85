/**
 * @module
 * `distillery import labels`: streams scored records (LLM Distillery JSONL, or our own NDJSON) from
 * files and folders into one labels NDJSON file. Files are read line by line, so a large file never
 * loads whole. A bad record is reported with its file and line and skipped; the rest still import.
 * A filter dimension missing from the first record of a file is fatal instead: the whole file does
 * not fit the filter, and the error lists the dimensions found so the user can `--rename`.
 * Within one run a label for the same article, model and prompt is kept once.
 */
import { once } from "node:events";
import { createReadStream, createWriteStream, existsSync, type WriteStream } from "node:fs";
import { readdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import {
  DistilleryError,
  type FilterPackage,
  isLabelRecordShape,
  type LabelRecord,
  parseLegacyLabelRecord,
  sha256Hex,
} from "@distillery/shared";
import { fileError, usageError } from "../errors";

export type ImportLabelsOptions = {
  paths: readonly string[];
  filter: FilterPackage;
  /** Record dimension name → filter dimension key. */
  rename?: Readonly<Record<string, string>>;
  /** Model for records that name none. */
  model?: string;
  /** The prompt the labels were made with, for `prompt_hash`; defaults to the filter's prompt. */
  promptText?: string;
  /** Output file, or `-` to pass each line to `writeLine`. */
  out: string;
  writeLine?: (line: string) => void;
  /** Called for each skipped record (not for duplicates). */
  onSkip?: (location: string, code: string, message: string) => void;
  importedAt?: string;
};

export type ImportLabelsSummary = {
  imported: number;
  byModel: Record<string, number>;
  /** Skipped records by reason code (`duplicate`, `label.score_invalid`…). */
  skipped: Record<string, number>;
  labelFiles: string[];
  /** Files read but holding no label records (metrics logs, id lists…). */
  otherFiles: string[];
  out: string;
  promptHash: string;
};

/**
 * Imports every label record under `paths` into `out`.
 * @example
 * const summary = await importLabels({ paths: ["calibrations/"], filter, out: "labels.ndjson" });
 */
export async function importLabels(options: ImportLabelsOptions): Promise<ImportLabelsSummary> {
  const files = await listRecordFiles(options.paths);
  const promptHash = `import:${await sha256Hex(options.promptText ?? options.filter.prompt)}`;
  const summary: ImportLabelsSummary = {
    imported: 0,
    byModel: {},
    skipped: {},
    labelFiles: [],
    otherFiles: [],
    out: options.out,
    promptHash,
  };
  const output = options.out === "-" ? undefined : createWriteStream(`${options.out}.partial`);
  const write = output
    ? (line: string) => writeTo(output, line)
    : async (line: string) => options.writeLine?.(line);
  const seen = new Set<string>();
  const importedAt = options.importedAt ?? new Date().toISOString();
  const skip = (location: string, code: string, message: string) => {
    summary.skipped[code] = (summary.skipped[code] ?? 0) + 1;
    if (code !== "duplicate") options.onSkip?.(location, code, message);
  };
  try {
    for (const file of files) {
      const isLabelFile = await importFile(file, options, {
        promptHash,
        importedAt,
        seen,
        skip,
        write,
        summary,
      });
      (isLabelFile ? summary.labelFiles : summary.otherFiles).push(file);
    }
    if (output) {
      await new Promise<void>((resolve, reject) =>
        output.end((error?: Error | null) => (error ? reject(error) : resolve())),
      );
      await rename(`${options.out}.partial`, options.out);
    }
  } catch (error) {
    if (output) {
      output.destroy();
      await rm(`${options.out}.partial`, { force: true });
    }
    throw error;
  }
  return summary;
}

type FileContext = {
  promptHash: string;
  importedAt: string;
  seen: Set<string>;
  skip: (location: string, code: string, message: string) => void;
  write: (line: string) => Promise<void>;
  summary: ImportLabelsSummary;
};

/** Imports one file; returns false when it holds no label records. */
async function importFile(
  file: string,
  options: ImportLabelsOptions,
  context: FileContext,
): Promise<boolean> {
  const input = createReadStream(file, { encoding: "utf8" });
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let lineNumber = 0;
  let recognised = false;
  try {
    for await (const text of lines) {
      lineNumber++;
      if (text.trim() === "") continue;
      const location = `${file}:${lineNumber}`;
      let obj: unknown;
      try {
        obj = JSON.parse(text);
      } catch (error) {
        context.skip(location, "label.not_json", `not valid JSON: ${(error as Error).message}`);
        continue;
      }
      if (!recognised && !isLabelRecordShape(obj, options.filter.name)) return false;
      let record: LabelRecord;
      try {
        record = parseLegacyLabelRecord(obj, options.filter, {
          rename: options.rename,
          sourceFile: file,
          line: lineNumber,
          model: options.model,
          promptHash: context.promptHash,
          importedAt: context.importedAt,
        });
      } catch (error) {
        if (!(error instanceof DistilleryError)) throw error;
        if (error.code === "label.dimension_missing" && !recognised)
          throw fileError(error.code, location, error.message);
        recognised = true;
        context.skip(location, error.code, error.message);
        continue;
      }
      recognised = true;
      const key = `${record.label.article_id}\u0000${record.label.model}\u0000${record.label.prompt_hash}`;
      if (context.seen.has(key)) {
        context.skip(location, "duplicate", "already imported");
        continue;
      }
      context.seen.add(key);
      await context.write(`${JSON.stringify(record)}\n`);
      context.summary.imported++;
      context.summary.byModel[record.label.model] = (context.summary.byModel[record.label.model] ?? 0) + 1;
    }
  } finally {
    lines.close();
    input.destroy();
  }
  return recognised;
}

/** The record files under `paths`: `.jsonl`/`.ndjson` files, folders searched recursively, hidden ones left out. */
export async function listRecordFiles(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    if (!existsSync(path)) throw usageError(`${path}: no such file or directory`);
    if ((await stat(path)).isFile()) {
      files.push(path);
      continue;
    }
    const entries = (await readdir(path, { recursive: true })).map(String).sort();
    for (const entry of entries) {
      if (!/\.(jsonl|ndjson)$/i.test(entry) || entry.split(/[\\/]/).some((part) => part.startsWith(".")))
        continue;
      const full = join(path, entry);
      if ((await stat(full)).isFile()) files.push(full);
    }
  }
  return files;
}

async function writeTo(stream: WriteStream, line: string): Promise<void> {
  if (!stream.write(line)) await once(stream, "drain");
}
