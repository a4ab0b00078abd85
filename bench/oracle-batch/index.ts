/**
 * `npm run bench -- oracle-batch [--articles 150000] [--port 8850] [--gemini-port 8851] [--polls 2]`
 *
 * A big Batch Mode oracle job end to end on the real edge under `wrangler dev` (temp data folder,
 * `--test-scheduled`): `--articles` generated articles imported through `POST /v1/articles/ndjson`,
 * the built-in `sustainability-tech-deployment` filter created through the API, one `mode: "batch"`
 * job over all articles through `POST /v1/jobs` (its payload far over the inline limit, so it goes as
 * JSONL files through the Files API), then the cron triggered through `/__scheduled` until the job
 * ends. Gemini is the stand-in (in this process), each batch done after `--polls` polls.
 * Prints progress on stderr and ends with one JSON line: articles, files, bytes uploaded, seconds
 * per stage, labels stored, lost (articles without a label), double calls.
 * Run it under `flock /tmp/distillery-ports.lock` (fixed ports).
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";
import { DistilleryClient } from "@distillery/shared";
import { builtinFiltersDir, startWranglerDev } from "@distillery/shared/node";
import { startGeminiStandin } from "../../tests/standins/gemini/server";

const { values } = parseArgs({
  options: {
    articles: { type: "string", default: "150000" },
    port: { type: "string", default: "8850" },
    "gemini-port": { type: "string", default: "8851" },
    polls: { type: "string", default: "2" },
    filter: { type: "string", default: "sustainability-tech-deployment" },
  },
});
const COUNT = Number(values.articles);
const PORT = Number(values.port);
const EDGE = `http://127.0.0.1:${PORT}`;
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const run = promisify(execFile);

const WORDS =
  "the grid operator said new battery storage capacity came online this week as the wind farm reached full output and prices fell while regulators approved a second solar project near the port".split(
    " ",
  );

/** A deterministic English article of about 1.2 KB that the filter's prefilter lets through. */
function article(i: number, tag: string): string {
  let body = "";
  for (let w = 0; body.length < 1_150; w++) body += `${WORDS[(i * 7 + w * 3) % WORDS.length]} `;
  return JSON.stringify({
    url: `https://bench.example/${tag}/${i}`,
    title: `Storage project ${i} starts`,
    body: `${body}(${i})`,
    language: "en",
    source: `source-${i % 25}`,
    published_at: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
  });
}

function ndjson(from: number, to: number, tag: string): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let next = from;
  return new ReadableStream({
    pull(controller) {
      if (next >= to) return controller.close();
      const end = Math.min(to, next + 200);
      const lines: string[] = [];
      for (; next < end; next++) lines.push(article(next, tag));
      controller.enqueue(encoder.encode(`${lines.join("\n")}\n`));
    },
  });
}

async function d1(dataDir: string, command: string): Promise<Record<string, unknown>[]> {
  const bin = join(
    dirname(createRequire(import.meta.url).resolve("wrangler/package.json")),
    "bin",
    "wrangler.js",
  );
  const args = ["d1", "execute", "DB", "--json", "--local", "--persist-to", join(dataDir, "wrangler")];
  const { stdout } = await run(process.execPath, [bin, ...args, "--command", command], {
    cwd: join(ROOT, "edge"),
    env: { ...process.env, CI: "1", WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
    maxBuffer: 64 << 20,
  });
  return (JSON.parse(stdout) as { results: Record<string, unknown>[] }[])[0]?.results ?? [];
}

const seconds = (since: number) => Number(((performance.now() - since) / 1000).toFixed(1));

const gemini = await startGeminiStandin({
  port: Number(values["gemini-port"]),
  batchPollsToComplete: Number(values.polls),
});
const dataDir = await mkdtemp(join(tmpdir(), "distillery-bench-oracle-batch-"));
const server = await startWranglerDev({
  command: "bash",
  args: [join(ROOT, "edge/scripts/dev.sh"), "--test-scheduled", "--var", `GEMINI_BASE_URL:${gemini.url}`],
  port: PORT,
  env: { PORT: String(PORT), DISTILLERY_HOME: dataDir },
  timeoutMs: 60_000,
});
try {
  const { stdout: token } = await run(
    process.execPath,
    [join(ROOT, "cli/bin/distillery.mjs"), "tokens", "create", "--role", "admin", "--data-dir", dataDir],
    { cwd: ROOT },
  );
  const client = new DistilleryClient({ baseUrl: EDGE, token: token.trim(), timeoutMs: 0 });
  const dir = join(builtinFiltersDir, String(values.filter), "v1");
  await client.createFilterVersion({
    filter_yaml: await readFile(join(dir, "filter.yaml"), "utf8"),
    prompt_md: await readFile(join(dir, "prompt.md"), "utf8"),
  });

  const stages: Record<string, number> = {};
  let t = performance.now();
  const tag = Date.now().toString(36);
  const per = Math.ceil(COUNT / 4);
  const imported = await Promise.all(
    [0, 1, 2, 3].map((s) => client.submitNdjson(ndjson(s * per, Math.min(COUNT, (s + 1) * per), tag))),
  );
  stages.import_s = seconds(t);
  console.error(
    `oracle-batch: ${imported.reduce((n, r) => n + r.created, 0)} articles imported in ${stages.import_s} s`,
  );

  t = performance.now();
  const job = await client.createJob({
    kind: "oracle",
    filter: String(values.filter),
    selection: { type: "all" },
    budget_usd: 10_000,
    mode: "batch",
  });
  stages.submit_s = seconds(t);
  const batches = await d1(dataDir, "SELECT name FROM oracle_batches");
  let bytesUploaded = 0;
  for (const { name } of batches) {
    const batch = (await (
      await fetch(`${gemini.url}/v1beta/${name}`, { headers: { "x-goog-api-key": "bench" } })
    ).json()) as { metadata?: { inputConfig?: { fileName?: string } } };
    const fileName = batch.metadata?.inputConfig?.fileName;
    if (!fileName) continue;
    const file = (await (
      await fetch(`${gemini.url}/v1beta/${fileName}`, { headers: { "x-goog-api-key": "bench" } })
    ).json()) as { sizeBytes: string };
    bytesUploaded += Number(file.sizeBytes);
  }
  console.error(`oracle-batch: job ${job.id} submitted ${batches.length} batches in ${stages.submit_s} s`);

  t = performance.now();
  let state = job.state;
  let crons = 0;
  while (!["succeeded", "failed", "cancelled"].includes(state)) {
    const cron = await fetch(`${EDGE}/__scheduled?cron=*+*+*+*+*`);
    if (!cron.ok) throw new Error(`/__scheduled answered ${cron.status}: ${await cron.text()}`);
    crons += 1;
    state = (await client.getJob(job.id)).state;
    console.error(`oracle-batch: cron ${crons}: job ${state} after ${seconds(t)} s`);
  }
  stages.poll_and_ingest_s = seconds(t);
  const done = await client.getJob(job.id);
  const [labels] = await d1(dataDir, `SELECT count(*) AS n FROM oracle_labels WHERE job_id = '${job.id}'`);
  const stats = gemini.stats.summary() as { calls: number; double_calls: number };
  const stored = Number(labels?.n ?? 0);
  console.log(
    JSON.stringify({
      bench: "oracle-batch",
      articles: COUNT,
      state: done.state,
      files: batches.length,
      bytes_uploaded: bytesUploaded,
      crons,
      seconds: {
        ...stages,
        total: Number(
          Object.values(stages)
            .reduce((a, b) => a + b, 0)
            .toFixed(1),
        ),
      },
      labels_stored: stored,
      lost: COUNT - stored,
      gemini_calls: stats.calls,
      double_calls: stats.double_calls,
      result: done.result,
    }),
  );
} catch (error) {
  // Said before the cleanup, whose own failure would otherwise hide it.
  console.error("oracle-batch: failed:", error);
  process.exitCode = 1;
} finally {
  await server.stop();
  await gemini.close();
  await rm(dataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 500 });
}
