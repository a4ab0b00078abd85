/**
 * `npm run bench -- ingest [--count 100000] [--streams 4] [--singles 500] [--port 8794]`
 *
 * Bulk NDJSON ingest into a local `wrangler dev` (started here on a temp data folder): `--count`
 * generated articles sent as `--streams` concurrent `POST /v1/articles/ndjson` streams (generated
 * while sending, never held whole), then `--singles` sequential `POST /v1/articles` for latency.
 * Loss is measured on what D1 holds afterwards (`SELECT count(*)`), not on what was sent.
 * Ends with one line of JSON: articles/s, stored, lost, and single-POST p50/p99 in ms.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";
import { DistilleryClient } from "@distillery/shared";
import { startWranglerDev } from "@distillery/shared/node";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "100000" },
    streams: { type: "string", default: "4" },
    singles: { type: "string", default: "500" },
    port: { type: "string", default: "8794" },
  },
});
const COUNT = Number(values.count);
const STREAMS = Number(values.streams);
const SINGLES = Number(values.singles);
const PORT = Number(values.port);
const EDGE = `http://127.0.0.1:${PORT}`;
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

const LANGUAGES = ["en", "nl", "pt", "es"];
const WORDS =
  "solar wind grid battery storage turbine heat pump hydrogen policy council plant capacity megawatt".split(
    " ",
  );

/** A deterministic article of about 1.5 KB. */
function article(i: number, run: string): string {
  let body = "";
  for (let w = 0; body.length < 1_400; w++) body += `${WORDS[(i * 7 + w * 3) % WORDS.length]} `;
  return JSON.stringify({
    url: `https://bench.example/${run}/${i}`,
    title: `Bench article ${i}`,
    body: `${body}(${i})`,
    language: LANGUAGES[i % LANGUAGES.length],
    source: `source-${i % 25}`,
    published_at: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
  });
}

/** NDJSON of articles [from, to), generated as the request body is read. */
function ndjsonStream(from: number, to: number, run: string): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let next = from;
  return new ReadableStream({
    pull(controller) {
      if (next >= to) {
        controller.close();
        return;
      }
      const end = Math.min(to, next + 200);
      const lines: string[] = [];
      for (; next < end; next++) lines.push(article(next, run));
      controller.enqueue(encoder.encode(`${lines.join("\n")}\n`));
    },
  });
}

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Number((sorted[index] ?? 0).toFixed(2));
}

async function storedCount(dataDir: string): Promise<number> {
  const bin = join(
    dirname(createRequire(import.meta.url).resolve("wrangler/package.json")),
    "bin",
    "wrangler.js",
  );
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      bin,
      "d1",
      "execute",
      "DB",
      "--json",
      "--local",
      "--persist-to",
      join(dataDir, "wrangler"),
      "--command",
      "SELECT count(*) AS n FROM articles",
    ],
    {
      cwd: join(ROOT, "edge"),
      env: { ...process.env, CI: "1", WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
    },
  );
  return (JSON.parse(stdout) as { results: { n: number }[] }[])[0]?.results[0]?.n ?? -1;
}

const dataDir = await mkdtemp(join(tmpdir(), "distillery-bench-ingest-"));
const server = await startWranglerDev({
  command: "bash",
  args: [join(ROOT, "edge/scripts/dev.sh")],
  port: PORT,
  env: { PORT: String(PORT), DISTILLERY_HOME: dataDir },
  timeoutMs: 60_000,
});
try {
  // The token comes from the CLI as a user would make it: `distillery tokens create` on the local data.
  const { stdout: token } = await promisify(execFile)(
    process.execPath,
    [join(ROOT, "cli/bin/distillery.mjs"), "tokens", "create", "--role", "submitter", "--data-dir", dataDir],
    { cwd: ROOT },
  );
  const client = new DistilleryClient({ baseUrl: EDGE, token: token.trim(), timeoutMs: 0 });
  const run = Date.now().toString(36);

  console.error(`ingest: ${COUNT} articles in ${STREAMS} NDJSON streams to ${EDGE}`);
  const started = performance.now();
  const per = Math.ceil(COUNT / STREAMS);
  const results = await Promise.all(
    Array.from({ length: STREAMS }, (_, s) =>
      client.submitNdjson(ndjsonStream(s * per, Math.min(COUNT, (s + 1) * per), run)),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  const created = results.reduce((sum, r) => sum + r.created, 0);
  const rejected = results.reduce((sum, r) => sum + r.rejected, 0);
  console.error(`ingest: ${created} created, ${rejected} rejected in ${seconds.toFixed(1)} s`);

  const latencies: number[] = [];
  for (let i = 0; i < SINGLES; i++) {
    const body = JSON.parse(article(COUNT + i, run));
    const t0 = performance.now();
    await client.submitArticle(body);
    latencies.push(performance.now() - t0);
  }
  latencies.sort((a, b) => a - b);
  const stored = await storedCount(dataDir);
  const expected = COUNT + SINGLES;
  console.log(
    JSON.stringify({
      bench: "ingest",
      articles: COUNT,
      streams: STREAMS,
      seconds: Number(seconds.toFixed(2)),
      articles_per_s: Math.round(COUNT / seconds),
      stored,
      lost: expected - stored,
      rejected,
      single_post: { n: SINGLES, p50_ms: percentile(latencies, 50), p99_ms: percentile(latencies, 99) },
    }),
  );
} finally {
  await server.stop();
  await rm(dataDir, { recursive: true, force: true });
}
