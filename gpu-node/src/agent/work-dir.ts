/**
 * @module
 * The agent's work dir: its stable node id (`node.json`), one folder per job shard (`jobs/…`, where
 * Python keeps its checkpoints, so a job offered back to this node resumes), the download cache
 * (`cache/`, keyed by content hash) and unpacked models (`models/<sha256>/`).
 */
import { randomUUID } from "node:crypto";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";

const nodeFileSchema = z.object({ node_id: z.string().min(1) });

export class WorkDir {
  constructor(readonly root: string) {}

  /** The node id kept across restarts, created on first use. */
  async nodeId(): Promise<string> {
    const file = join(this.root, "node.json");
    try {
      return nodeFileSchema.parse(JSON.parse(await readFile(file, "utf8"))).node_id;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    await mkdir(this.root, { recursive: true });
    const nodeId = `node_${randomUUID()}`;
    await writeFile(file, `${JSON.stringify({ node_id: nodeId })}\n`);
    return nodeId;
  }

  jobDir(jobId: string, shard: number): string {
    return join(this.root, "jobs", encodeURIComponent(jobId), `shard-${shard}`);
  }

  async removeJob(jobId: string): Promise<void> {
    await rm(join(this.root, "jobs", encodeURIComponent(jobId)), { recursive: true, force: true });
  }

  get cacheDir(): string {
    return join(this.root, "cache");
  }

  get modelsDir(): string {
    return join(this.root, "models");
  }

  /**
   * Jobs with a training checkpoint here (`jobs/<id>/shard-0/out/checkpoints/step-<n>`, the Python
   * package's naming, or `checkpoint-<n>`, the Hugging Face Trainer's), reported in `hello` so the hub sends a job back where it can resume.
   */
  async checkpoints(): Promise<{ job_id: string; step: number }[]> {
    const jobsDir = join(this.root, "jobs");
    const found: { job_id: string; step: number }[] = [];
    for (const name of await listDir(jobsDir)) {
      const steps = (await listDir(join(jobsDir, name, "shard-0", "out", "checkpoints")))
        .map((entry) => /^(?:checkpoint|step)-(\d+)$/.exec(entry)?.[1])
        .filter((step): step is string => step !== undefined)
        .map(Number);
      if (steps.length > 0) found.push({ job_id: decodeURIComponent(name), step: Math.max(...steps) });
    }
    return found;
  }
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}
