/**
 * The resume state of `distillery import articles`: a missing state file means a fresh upload, quietly; a
 * corrupt or foreign one is named on stderr with what is wrong before the upload starts over.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { memoryIo } from "../io";
import { readImportState, stateFileFor } from "./import-articles";

let dir: string;
let corpus: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "distillery-import-state-"));
  corpus = join(dir, "corpus.ndjson");
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("readImportState", () => {
  it("returns nothing and says nothing when there is no state file", async () => {
    const io = memoryIo();
    expect(await readImportState(corpus, io)).toBeNull();
    expect(io.stderr()).toBe("");
  });

  it("returns a valid state", async () => {
    const state = {
      edge: "http://127.0.0.1:8787",
      size: 10,
      mtime_ms: 1,
      upload_id: "up_1",
      job_id: "job_1",
    };
    await writeFile(stateFileFor(corpus), JSON.stringify(state));
    const io = memoryIo();
    expect(await readImportState(corpus, io)).toEqual(state);
    expect(io.stderr()).toBe("");
  });

  it("warns with the path and the reason when the state file is not JSON, then starts over", async () => {
    await writeFile(stateFileFor(corpus), '{"edge": "http://127.0.0.1:8787", "up');
    const io = memoryIo();
    expect(await readImportState(corpus, io)).toBeNull();
    expect(io.stderr()).toContain(`ignoring the state file ${stateFileFor(corpus)} (not valid JSON`);
    expect(io.stderr()).toContain("starting a new upload");
  });

  it("warns when the state file is JSON of another shape", async () => {
    await writeFile(stateFileFor(corpus), JSON.stringify({ upload_id: 7 }));
    const io = memoryIo();
    expect(await readImportState(corpus, io)).toBeNull();
    expect(io.stderr()).toContain("not an import state");
  });

  it("warns when the state file cannot be read", async () => {
    // A folder where the file should be: reading it fails with EISDIR, not ENOENT.
    await mkdir(stateFileFor(corpus));
    const io = memoryIo();
    expect(await readImportState(corpus, io)).toBeNull();
    expect(io.stderr()).toContain(`ignoring the state file ${stateFileFor(corpus)} (`);
  });
});
