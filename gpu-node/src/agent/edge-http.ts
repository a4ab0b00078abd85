/**
 * @module
 * The agent's HTTP side of the edge: streamed NDJSON inputs saved to a cache keyed by content hash,
 * model artifacts downloaded once and checked against their sha256, and artifact uploads.
 */
import { execFile } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream, existsSync } from "node:fs";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { promisify } from "node:util";
import {
  DistilleryError,
  type JobInput,
  type JobOfferContext,
  NODE_LEASE_HEADER,
  sha256Hex,
} from "@distillery/shared";

const execFileAsync = promisify(execFile);

export class EdgeHttp {
  constructor(
    readonly edgeUrl: string,
    private readonly token: string,
  ) {}

  url(path: string): URL {
    return new URL(path, this.edgeUrl);
  }

  private async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set("authorization", `Bearer ${this.token}`);
    const response = await fetch(this.url(path), { ...init, headers });
    if (!response.ok) {
      const body = await response.text();
      throw new DistilleryError(
        "node.http",
        `${init.method ?? "GET"} ${path} answered ${response.status}: ${body}`,
        {
          status: response.status,
        },
      );
    }
    return response;
  }

  /**
   * Streams an NDJSON input to `cacheDir/<hash>.ndjson` (the edge's content hash, else the sha256 of the
   * bytes) and returns its path and line count; a cached file is not downloaded again.
   */
  async download(input: JobInput, cacheDir: string): Promise<{ path: string; lines: number }> {
    await mkdir(cacheDir, { recursive: true });
    const cachedPath = input.content_hash ? join(cacheDir, `${safeName(input.content_hash)}.ndjson`) : null;
    if (cachedPath && existsSync(cachedPath))
      return { path: cachedPath, lines: await countLines(cachedPath) };
    const response = await this.request(input.url);
    const tmp = join(cacheDir, `.download-${randomUUID()}`);
    const hash = createHash("sha256");
    let lines = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        for (const byte of chunk) if (byte === 10) lines += 1;
        done(null, chunk);
      },
    });
    await pipeline(Readable.fromWeb(response.body as never), tap, createWriteStream(tmp));
    const path = cachedPath ?? join(cacheDir, `${hash.digest("hex")}.ndjson`);
    await rename(tmp, path);
    return { path, lines };
  }

  /** Downloads and unpacks a model artifact into `modelsDir/<sha256>/` once; returns that folder. */
  async downloadModel(model: NonNullable<JobOfferContext["model"]>, modelsDir: string): Promise<string> {
    const key = model.artifact_sha256 ?? safeName(model.id);
    const dir = join(modelsDir, key);
    if (existsSync(join(dir, ".complete"))) return dir;
    await mkdir(modelsDir, { recursive: true });
    const archive = join(modelsDir, `.download-${randomUUID()}.tar.gz`);
    const response = await this.request(model.artifact_url);
    const hash = createHash("sha256");
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    });
    await pipeline(Readable.fromWeb(response.body as never), tap, createWriteStream(archive));
    const sha256 = hash.digest("hex");
    if (model.artifact_sha256 && sha256 !== model.artifact_sha256) {
      await rm(archive, { force: true });
      throw new DistilleryError(
        "artifact.checksum",
        `model ${model.id}: downloaded artifact has sha256 ${sha256}, expected ${model.artifact_sha256}`,
      );
    }
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    await execFileAsync("tar", ["-xzf", archive, "-C", dir]);
    await rm(archive, { force: true });
    await writeFile(join(dir, ".complete"), sha256);
    return dir;
  }

  /**
   * Packs `adapterDir` (without checkpoints) as a .tar.gz and uploads it to the model with its sha256
   * (the edge checks it) and the lease of the train job that made it (the edge takes it only from the
   * lease holder).
   */
  async uploadArtifact(modelId: string, leaseId: string, adapterDir: string, scratchDir: string) {
    const archive = join(scratchDir, "adapter.tar.gz");
    // Checkpoints and prediction files may share the folder: only the model itself travels.
    const exclude = ["./checkpoints", "./result.json", "./chunk-*.jsonl", "./*.tmp"].map(
      (p) => `--exclude=${p}`,
    );
    await execFileAsync("tar", ["-czf", archive, ...exclude, "-C", adapterDir, "."]);
    const bytes = await readFile(archive);
    const sha256 = await sha256Hex(bytes);
    await this.request(`/v1/models/${encodeURIComponent(modelId)}/artifact`, {
      method: "PUT",
      headers: {
        "content-type": "application/gzip",
        "x-content-sha256": sha256,
        [NODE_LEASE_HEADER]: leaseId,
      },
      body: bytes,
    });
    return { model_id: modelId, sha256, bytes: (await stat(archive)).size };
  }
}

function safeName(value: string): string {
  return value.replace(/[^A-Za-z0-9._-]/g, "_");
}

async function countLines(path: string): Promise<number> {
  let lines = 0;
  for await (const chunk of createReadStream(path))
    for (const byte of chunk as Buffer) if (byte === 10) lines += 1;
  return lines;
}
