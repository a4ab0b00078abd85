/**
 * @module
 * `distillery import articles FILE`: bulk-import an NDJSON corpus into the edge. The file goes to R2
 * in parts (`/v1/imports`), then an import job ingests it in chunks; the command shows progress for
 * both and ends with the counts (stdout, JSON) and the first line errors (stderr). Interrupted? Run the
 * same command again: a state file beside the input (`FILE.distillery-import.json`) remembers the
 * upload id, the parts done and the job, so only missing parts are sent and a running job is followed.
 * A state file that cannot be read or is not one (corrupt, hand-edited) is reported on stderr with its
 * path and reason and the upload starts over: it is only a resume hint, and the edge skips nothing twice.
 */
import { open, readFile, rm, stat, writeFile } from "node:fs/promises";
import { DistilleryClient, DistilleryError, type ImportResult, importResultSchema } from "@distillery/shared";
import type { Command } from "commander";
import { usageError } from "../errors";
import type { Io } from "../io";
import { followJob } from "../report/follow";
import { startProgress } from "../report/progress";

export type ImportArticlesOptions = { edge?: string; token?: string; pollMs?: number; progress?: boolean };

type ImportState = { edge: string; size: number; mtime_ms: number; upload_id: string; job_id?: string };

/** Where the resume state of `file` is kept. */
export function stateFileFor(file: string): string {
  return `${file}.distillery-import.json`;
}

function isImportState(value: unknown): value is ImportState {
  const state = value as Partial<ImportState> | null;
  return (
    typeof state === "object" &&
    state !== null &&
    typeof state.edge === "string" &&
    typeof state.size === "number" &&
    typeof state.mtime_ms === "number" &&
    typeof state.upload_id === "string" &&
    (state.job_id === undefined || typeof state.job_id === "string")
  );
}

/**
 * The resume state of `file`: null when there is none, and null with a warning on `io` naming the state
 * file and what is wrong with it when it cannot be read or is not a state file (the upload then restarts).
 * @example
 * await readImportState("corpus.ndjson", io) // { edge, size, mtime_ms, upload_id, job_id? } or null
 */
export async function readImportState(file: string, io: Io): Promise<ImportState | null> {
  const path = stateFileFor(file);
  let reason: string;
  try {
    const state: unknown = JSON.parse(await readFile(path, "utf8"));
    if (isImportState(state)) return state;
    reason = "not an import state (expected edge, size, mtime_ms and upload_id)";
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    reason = error instanceof SyntaxError ? `not valid JSON: ${error.message}` : (error as Error).message;
  }
  io.err(`import: ignoring the state file ${path} (${reason}); starting a new upload\n`);
  return null;
}

/** Sends the parts the edge does not have yet; returns the upload id. */
async function upload(
  client: DistilleryClient,
  file: string,
  io: Io,
  options: ImportArticlesOptions,
): Promise<string> {
  const info = await stat(file);
  const previous = await readImportState(file, io);
  let uploadId: string | undefined;
  if (
    previous &&
    previous.edge === client.options.baseUrl &&
    previous.size === info.size &&
    previous.mtime_ms === info.mtimeMs
  ) {
    uploadId = previous.upload_id;
    if (previous.job_id) return uploadId;
  }
  let state = uploadId
    ? await client.getUpload(uploadId).catch((error: unknown) => {
        // An upload the edge no longer knows (e.g. its data was reset) means starting over.
        if (error instanceof DistilleryError && error.status === 404) return null;
        throw error;
      })
    : null;
  if (state?.state === "complete") return state.id;
  if (state?.state !== "uploading") {
    state = await client.createUpload(file.split("/").at(-1));
    io.err(`import: new upload ${state.id}\n`);
  } else {
    io.err(`import: resuming upload ${state.id} (${state.parts.length} parts already there)\n`);
  }
  const saved: ImportState = {
    edge: client.options.baseUrl,
    size: info.size,
    mtime_ms: info.mtimeMs,
    upload_id: state.id,
  };
  await writeFile(stateFileFor(file), JSON.stringify(saved));
  const partBytes = state.part_bytes;
  const parts = Math.max(1, Math.ceil(info.size / partBytes));
  const done = new Set(state.parts.map((p) => p.part_number));
  const display = startProgress("upload", io, options.progress !== false && process.stderr.isTTY === true);
  let sent = state.parts.reduce((sum, p) => sum + p.bytes, 0);
  const handle = await open(file, "r");
  try {
    for (let part = 1; part <= parts; part++) {
      if (done.has(part)) continue;
      const length = Math.min(partBytes, info.size - (part - 1) * partBytes);
      const buffer = new Uint8Array(length);
      await handle.read(buffer, 0, length, (part - 1) * partBytes);
      await client.uploadPart(state.id, part, buffer);
      sent += length;
      display.update(sent, info.size, `part ${part}/${parts}`);
    }
  } finally {
    await handle.close();
    display.stop();
  }
  await client.completeUpload(state.id);
  return state.id;
}

/**
 * Uploads `file` (resuming an earlier attempt), runs the import job to its end and returns its result.
 * @example
 * const result = await importArticles("corpus.ndjson", { edge: "http://127.0.0.1:8787", token }, io);
 */
export async function importArticles(
  file: string,
  options: ImportArticlesOptions,
  io: Io,
): Promise<ImportResult> {
  const edge = options.edge ?? process.env.DISTILLERY_EDGE_URL ?? "http://127.0.0.1:8787";
  const token = options.token ?? process.env.DISTILLERY_TOKEN;
  if (!token)
    throw usageError("import needs a submitter (or admin) token: pass --token or set DISTILLERY_TOKEN");
  const client = new DistilleryClient({ baseUrl: edge, token });
  const uploadId = await upload(client, file, io, options);
  const state = (await readImportState(file, io)) ?? undefined;
  let job = state?.job_id
    ? await client.getJob(state.job_id)
    : await client.createJob({ kind: "import", upload_id: uploadId });
  if (state && !state.job_id)
    await writeFile(stateFileFor(file), JSON.stringify({ ...state, job_id: job.id }));
  io.err(`import: job ${job.id}\n`);
  job = await followJob(client, job.id, "import", io, {
    pollMs: options.pollMs,
    live: options.progress !== false && process.stderr.isTTY === true,
  });
  const result = importResultSchema.parse(job.result);
  if (result.rejected > 0) {
    const errors = await client.jobErrors(job.id, { limit: 20 });
    for (const e of errors.items) io.err(`${file}:${e.line}: ${e.path}: ${e.issue}\n`);
    if (result.rejected > errors.items.length)
      io.err(`... ${result.rejected} rejected lines in all (${result.errors_url})\n`);
  }
  await rm(stateFileFor(file), { force: true });
  return result;
}

/** Adds `articles` under the `import` command (creating `import` if no other module has). */
export function registerImportArticlesCommand(program: Command, io: Io): void {
  const parent =
    program.commands.find((c) => c.name() === "import") ??
    program.command("import").description("Import data");
  parent
    .command("articles")
    .description("Bulk-import an NDJSON file of articles into the edge (resumable; see docs/api.md)")
    .argument("<file>", "NDJSON, one article per line")
    .option("--edge <url>", "the edge (default: $DISTILLERY_EDGE_URL or http://127.0.0.1:8787)")
    .option("--token <token>", "a submitter token (default: $DISTILLERY_TOKEN)")
    .option("--no-progress", "no progress bar")
    .action(async (file: string, options: ImportArticlesOptions) => {
      const result = await importArticles(file, options, io);
      io.out(`${JSON.stringify({ job_result: result })}\n`);
    });
}
