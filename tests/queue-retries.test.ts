/**
 * The queue consumers decide a message's last delivery from a constant (the job fails instead of
 * hanging), and the queue itself retries as `wrangler.jsonc` says: the two must agree, or a job fails
 * early or hangs again. The constants are read from the source because the edge modules run in workerd.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const edge = join(import.meta.dirname, "..", "edge");

function wranglerConsumers(): { queue: string; max_retries?: number }[] {
  const text = readFileSync(join(edge, "wrangler.jsonc"), "utf8");
  // JSONC: drop whole-line and trailing `//` comments (no string in the file contains `//` after a space).
  const json = text.replace(/^\s*\/\/.*$/gm, "").replace(/\s\/\/.*$/gm, "");
  return JSON.parse(json).queues.consumers;
}

function constant(file: string, name: string): number {
  const match = new RegExp(`export const ${name} = (\\d+);`).exec(
    readFileSync(join(edge, "src", file), "utf8"),
  );
  if (!match) throw new Error(`${name} not found in edge/src/${file}`);
  return Number(match[1]);
}

describe("queue retries", () => {
  it("match wrangler.jsonc's max_retries for each consumer", () => {
    const retries = Object.fromEntries(wranglerConsumers().map((c) => [c.queue, c.max_retries]));
    expect(retries["distillery-jobs"]).toBe(constant("queue/index.ts", "JOBS_QUEUE_MAX_RETRIES"));
    expect(retries["distillery-oracle"]).toBe(constant("oracle/consumer.ts", "ORACLE_QUEUE_MAX_RETRIES"));
  });
});
