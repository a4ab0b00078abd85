/**
 * Benchmark: the interactive oracle path (edge/src/oracle `callOracle` with the real `@google/genai`
 * SDK, the limiter's token buckets, label-key claims) against the Gemini stand-in over HTTP, with a
 * per-call latency, a request-per-minute limit and injected faults (429 with Retry-After, 500, 503,
 * hangs, fences, trailing text, truncation, scores as strings). Uses a built-in filter's real prompt
 * (~2K tokens, Gemini 2.5 Flash sized) and ~300-token articles, priced with the published table.
 * Prints progress on stderr, then one JSON line with `share_of_limit`, `lost`, `double_calls`,
 * `usd_per_article_interactive`, `usd_per_article_batch` (goal <= $0.001 with batch + caching).
 *
 * Usage: npm run bench -- oracle [--articles 2000 --rpm 150 --latency-ms 3000 --fault-rate 0.05]
 *        npm run bench -- oracle --quick   (200 articles, 600 RPM, 300 ms: about 25 s)
 * The default run takes about 14 minutes (2,000 articles at 150 RPM).
 */
import { parseArgs } from "node:util";
import type { ArticleText, TokenUsage } from "@distillery/shared";
import { loadBuiltinFilters } from "@distillery/shared/node";
import { fullBuckets, reserve } from "../../edge/src/oracle/bucket";
import { callOracle } from "../../edge/src/oracle/call";
import { geminiClient } from "../../edge/src/oracle/client";
import { costUsd, priceFor, resolvePriceTable } from "../../edge/src/oracle/cost";
import { startGeminiStandin } from "../../tests/standins/gemini/server";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    articles: { type: "string" },
    rpm: { type: "string" },
    "latency-ms": { type: "string" },
    "fault-rate": { type: "string" },
    filter: { type: "string", default: "sustainability-tech-deployment" },
    port: { type: "string", default: "8830" },
  },
});
const quick = values.quick;
const articles = Number(values.articles ?? (quick ? 200 : 2000));
const rpm = Number(values.rpm ?? (quick ? 600 : 150));
const latencyMs = Number(values["latency-ms"] ?? (quick ? 300 : 3000));
const faultRate = Number(values["fault-rate"] ?? 0.05);
const tpm = 4_000_000;
const model = "gemini-2.5-flash";

const filter = (await loadBuiltinFilters()).find((f) => f.name === values.filter);
if (!filter) throw new Error(`no built-in filter '${values.filter}'`);
const price = priceFor(resolvePriceTable(), model);

const WORDS =
  "the grid operator said new battery storage capacity came online this week as the wind farm reached full output and prices fell while regulators approved a second solar project near the port with local investors".split(
    " ",
  );
function article(i: number): ArticleText {
  let state = i * 2654435761;
  const words: string[] = [];
  while (words.join(" ").length < 1_150) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    words.push(WORDS[state % WORDS.length]!);
  }
  return {
    title: `Storage project ${i} starts`,
    body: `${words.join(" ")}.`,
    language: "en",
    source: "bench",
  };
}

const gemini = await startGeminiStandin({
  port: Number(values.port),
  latencyMs,
  faultRate,
  faultKinds: [
    "rate_limit",
    "server_error",
    "unavailable",
    "hang",
    "fence",
    "trailing_text",
    "truncated",
    "score_string",
  ],
  retryAfterS: 1,
  hangMs: latencyMs * 5,
  seed: 7,
});
const { ai } = geminiClient({ GEMINI_API_KEY: "bench", GEMINI_BASE_URL: gemini.url });

let buckets = fullBuckets({ rpm, tpm }, Date.now());
async function limiter(tokens: number) {
  const result = reserve(buckets, Date.now(), tokens, { rpm, tpm });
  buckets = result.state;
  if (result.waitMs > 0) await new Promise((resolve) => setTimeout(resolve, result.waitMs));
}

const labels = new Map<number, { tokens: TokenUsage; cost: number }>();
const claims = new Set<number>();
const failures: Record<string, number> = {};
let duplicateLabels = 0;
let next = 0;
const tokens: TokenUsage[] = [];
const concurrency = Math.ceil((rpm / 60) * (latencyMs / 1000) * 1.5) + 4;
const started = Date.now();

async function worker() {
  for (let i = next++; i < articles; i = next++) {
    if (labels.has(i) || claims.has(i)) continue;
    claims.add(i);
    const result = await callOracle({
      ai,
      filter: filter!,
      article: article(i),
      model,
      price,
      timeoutMs: latencyMs * 2 + 1_000,
      maxAttempts: 8,
      backoff: { baseMs: 500, maxMs: 8_000 },
      beforeAttempt: limiter,
    });
    claims.delete(i);
    tokens.push(result.tokens);
    if (result.ok) {
      if (labels.has(i)) duplicateLabels += 1;
      labels.set(i, { tokens: result.tokens, cost: result.cost_usd });
    } else failures[result.code] = (failures[result.code] ?? 0) + 1;
    const done = labels.size + Object.values(failures).reduce((a, b) => a + b, 0);
    if (done % 100 === 0)
      console.error(`${done}/${articles} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
}
await Promise.all(Array.from({ length: concurrency }, worker));
const elapsedMin = (Date.now() - started) / 60_000;
const summary = gemini.stats.summary();
await gemini.close();

const failed = Object.values(failures).reduce((a, b) => a + b, 0);
const interactiveUsd = tokens.reduce((sum, t) => sum + costUsd(price, t, "interactive"), 0);
const batchUsd = tokens.reduce((sum, t) => sum + costUsd(price, t, "batch"), 0);
const totals = tokens.reduce(
  (a, t) => ({ input: a.input + t.input, cached: a.cached + t.cached, output: a.output + t.output }),
  {
    input: 0,
    cached: 0,
    output: 0,
  },
);
// A run of a minute or more: the busiest 60-second window. A shorter run: the sustained rate after
// the limiter's initial burst (10% of the quota), which would otherwise dominate a few seconds.
const burst = Math.max(1, Math.floor(rpm * 0.1));
const callsPerMinute =
  elapsedMin >= 1 ? summary.max_calls_per_minute : Math.max(0, summary.calls - burst) / elapsedMin;
console.log(
  JSON.stringify({
    articles,
    rpm,
    latency_ms: latencyMs,
    fault_rate: faultRate,
    concurrency,
    minutes: Math.round(elapsedMin * 100) / 100,
    calls: summary.calls,
    calls_per_minute: Math.round(callsPerMinute * 10) / 10,
    share_of_limit: Math.round((callsPerMinute / rpm) * 1000) / 1000,
    labelled: labels.size,
    failed,
    failed_by_reason: failures,
    lost: articles - labels.size - failed,
    double_calls: summary.double_calls + duplicateLabels,
    faults_injected: summary.faults,
    tokens_per_article: {
      input: Math.round(totals.input / articles),
      cached: Math.round(totals.cached / articles),
      output: Math.round(totals.output / articles),
    },
    usd_per_article_interactive: Number((interactiveUsd / Math.max(1, labels.size)).toFixed(6)),
    usd_per_article_batch: Number((batchUsd / Math.max(1, labels.size)).toFixed(6)),
  }),
);
