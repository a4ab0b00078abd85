/**
 * Benchmark: the interactive oracle path (edge/src/oracle `callOracle` with the real `@google/genai`
 * SDK, the limiter's token buckets, label-key claims) against the Gemini stand-in over HTTP, with a
 * per-call latency, a request-per-minute limit and injected faults (429 with Retry-After, 500, 503,
 * hangs, fences, trailing text, truncation, scores as strings). Uses a built-in filter's real prompt
 * (~2K tokens, Gemini 2.5 Flash sized) and ~300-token articles, priced with the published table.
 * Prints progress on stderr, then one JSON line with `share_of_limit` (calls per minute while new
 * work remained, over the RPM limit: see `bench/README.md`), `max_calls_per_minute` (the busiest
 * 60-second window the stand-in saw), `event_loop_delay_p99_ms` (over ~50 ms: the machine was too
 * busy for the figures to speak for the limiter), `lost`, `double_calls`,
 * `usd_per_article_interactive` and `usd_per_article_batch` (goal <= $0.001 with batch + caching).
 * The run labels with thinking off (the default Distillery sends to 2.5 Flash); a second, fault-free
 * pass over `--cost-articles` articles labels with `--thinking-on` (default -1: dynamic thinking, what
 * 2.5 Flash does when no setting is sent) and `cost_by_thinking` prints both costs per article. The
 * thinking tokens are the stand-in's model of thinking (it grows with the article), not Gemini's.
 *
 * Usage: npm run bench -- oracle [--articles 2000 --rpm 150 --tpm 8000000 --latency-ms 3000 --fault-rate 0.05]
 *        npm run bench -- oracle --quick   (200 articles, 600 RPM, 300 ms: about 25 s)
 * The default run takes about 14 minutes (2,000 articles at 150 RPM).
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { parseArgs } from "node:util";
import {
  type ArticleText,
  resolveOracle,
  type Thinking,
  type TokenUsage,
  thinkingProblem,
  thinkingSchema,
} from "@distillery/shared";
import { loadBuiltinFilters } from "@distillery/shared/node";
import { fullBuckets, reserve } from "../../edge/src/oracle/bucket";
import { callOracle } from "../../edge/src/oracle/call";
import { geminiClient } from "../../edge/src/oracle/client";
import { costUsd, priceFor, resolvePriceTable } from "../../edge/src/oracle/cost";
import { geminiTransport } from "../../edge/src/oracle/gemini";
import { startGeminiStandin } from "../../tests/standins/gemini/server";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    articles: { type: "string" },
    rpm: { type: "string" },
    tpm: { type: "string", default: "8000000" },
    "latency-ms": { type: "string" },
    "fault-rate": { type: "string" },
    filter: { type: "string", default: "sustainability-tech-deployment" },
    port: { type: "string", default: "8830" },
    "thinking-on": { type: "string", default: "-1" },
    "cost-articles": { type: "string", default: "50" },
  },
});
const quick = values.quick;
const articles = Number(values.articles ?? (quick ? 200 : 2000));
const rpm = Number(values.rpm ?? (quick ? 600 : 150));
const latencyMs = Number(values["latency-ms"] ?? (quick ? 300 : 3000));
const faultRate = Number(values["fault-rate"] ?? 0.05);
// Enough tokens per minute for 2,000 calls of ~2.9K estimated tokens, so that the RPM limit is the
// one measured; pass --tpm to see the limiter hold a run to its tokens per minute instead.
const tpm = Number(values.tpm);
const model = "gemini-2.5-flash";

const filter = (await loadBuiltinFilters()).find((f) => f.name === values.filter);
if (!filter) throw new Error(`no built-in filter '${values.filter}'`);
const oracle = resolveOracle(filter, { provider: "gemini", model });
const price = priceFor(resolvePriceTable(), model);
const thinkingOnValue = values["thinking-on"];
const thinkingOn = thinkingSchema.parse(
  /^-?\d+$/.test(thinkingOnValue) ? Number(thinkingOnValue) : thinkingOnValue,
);
const thinkingOnProblem = thinkingProblem("gemini", model, thinkingOn);
if (thinkingOnProblem) throw new Error(`--thinking-on ${thinkingOnValue}: ${thinkingOnProblem}`);

const WORDS =
  "the grid operator said new battery storage capacity came online this week as the wind farm reached full output and prices fell while regulators approved a second solar project near the port with local investors".split(
    " ",
  );
function article(i: number): ArticleText {
  let state = i * 2654435761;
  const words: string[] = [];
  // Counted as it grows: joining on every word made this the bench's hottest function.
  for (let length = -1; length < 1_150; length += words.at(-1)!.length + 1) {
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
const transport = geminiTransport(geminiClient({ GEMINI_API_KEY: "bench", GEMINI_BASE_URL: gemini.url }).ai);

let buckets = fullBuckets({ rpm, tpm }, Date.now());
/** When each call went out, its wait over (the stand-in counts them as they land). */
const callStarts: number[] = [];
/** When the last article's first call went out: from then on no new work remained, only retries. */
let lastFirstCallAt = 0;
async function limiter(tokens: number) {
  const result = reserve(buckets, Date.now(), tokens, { rpm, tpm });
  buckets = result.state;
  if (result.waitMs > 0) await new Promise((resolve) => setTimeout(resolve, result.waitMs));
  callStarts.push(Date.now());
}

const labels = new Map<number, { tokens: TokenUsage; cost: number }>();
const claims = new Set<number>();
const failures: Record<string, number> = {};
let duplicateLabels = 0;
let next = 0;
const tokens: TokenUsage[] = [];
// Calls in flight at the limit (rate x latency), as many again for callers sleeping on a Retry-After
// or backoff, stuck on a hang or slowed by a busy machine, and a few always queued at the limiter so
// no slot goes unused (1.5x + 4 left every worker busy, none queued, at 2,000 RPM under load).
const concurrency = Math.ceil((rpm / 60) * (latencyMs / 1000) * 2) + 8;
// A loaded machine shows here first: the stand-in and the callers share this event loop.
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
const started = Date.now();

async function worker() {
  for (let i = next++; i < articles; i = next++) {
    if (labels.has(i) || claims.has(i)) continue;
    claims.add(i);
    let firstAttempt = true;
    const result = await callOracle({
      transport,
      filter: filter!,
      article: article(i),
      oracle,
      price,
      timeoutMs: latencyMs * 2 + 1_000,
      maxAttempts: 8,
      backoff: { baseMs: 500, maxMs: 8_000 },
      beforeAttempt: async (estimatedTokens) => {
        await limiter(estimatedTokens);
        if (firstAttempt) lastFirstCallAt = Math.max(lastFirstCallAt, Date.now());
        firstAttempt = false;
      },
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
const finished = Date.now();
loopDelay.disable();
const elapsedMin = (finished - started) / 60_000;
const summary = gemini.stats.summary();

/** Cost per labelled article of `count` fresh articles labelled with `thinking`, without faults or a limit. */
async function costPass(thinking: Thinking, count: number) {
  gemini.configure({ faultRate: 0, latencyMs: 0, script: [] });
  const passOracle = resolveOracle(filter!, { provider: "gemini", model, thinking });
  const results = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      callOracle({ transport, filter: filter!, article: article(articles + i), oracle: passOracle, price }),
    ),
  );
  const ok = results.filter((r) => r.ok);
  const sum = (pick: (t: TokenUsage) => number) => results.reduce((a, r) => a + pick(r.tokens), 0);
  const usd = (mode: "interactive" | "batch") =>
    results.reduce((a, r) => a + costUsd(price, r.tokens, mode), 0);
  const per = (value: number) => Number((value / Math.max(1, ok.length)).toFixed(6));
  return {
    thinking,
    max_output_tokens: passOracle.max_output_tokens,
    labelled: ok.length,
    truncated_answers: results.reduce((a, r) => a + r.truncations, 0),
    output_tokens_per_article: Math.round(per(sum((t) => t.output))),
    thinking_tokens_per_article: Math.round(per(sum((t) => t.thinking))),
    usd_per_article_interactive: per(usd("interactive")),
    usd_per_article_batch: per(usd("batch")),
  };
}
const costArticles = Number(values["cost-articles"]);
const costOff = await costPass(0, costArticles);
const costOn = await costPass(thinkingOn, costArticles);
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
/** Most calls sent within any 60-second window, as this process let them go (compare the stand-in's). */
function busiestMinute(starts: number[]): number {
  let busiest = 0;
  for (let first = 0, last = 0; last < starts.length; last++) {
    while (starts[last]! - starts[first]! >= 60_000) first++;
    busiest = Math.max(busiest, last - first + 1);
  }
  return busiest;
}
// The loaded part of the run: from the start (ramp-up included) until the last article's first
// call, while new work was waiting, so every unused slot is a loss of the limiter or of the workers.
// After it only the drain remains (the last calls' latency, retries of late faults), which no
// limiter can fill and which would otherwise weigh more the shorter the run.
const loadedMin = (lastFirstCallAt - started) / 60_000;
const loadedCalls = callStarts.filter((at) => at < lastFirstCallAt).length;
const callsPerMinute = loadedMin > 0 ? loadedCalls / loadedMin : 0;
console.log(
  JSON.stringify({
    articles,
    rpm,
    latency_ms: latencyMs,
    fault_rate: faultRate,
    tpm,
    concurrency,
    minutes: Math.round(elapsedMin * 100) / 100,
    loaded_s: Math.round(loadedMin * 600) / 10,
    drain_s: Math.round((finished - lastFirstCallAt) / 100) / 10,
    calls: summary.calls,
    calls_per_minute: Math.round(callsPerMinute * 10) / 10,
    share_of_limit: Math.round((callsPerMinute / rpm) * 1000) / 1000,
    share_of_limit_with_drain: Math.round((summary.calls / elapsedMin / rpm) * 1000) / 1000,
    max_calls_per_minute: summary.max_calls_per_minute,
    max_in_flight: summary.max_in_flight,
    max_calls_per_minute_sent: busiestMinute(callStarts),
    event_loop_delay_p99_ms: Math.round(loopDelay.percentile(99) / 1e6),
    event_loop_delay_max_ms: Math.round(loopDelay.max / 1e6),
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
    cost_by_thinking: {
      off: costOff,
      on: costOn,
      on_over_off: Number(
        (costOn.usd_per_article_interactive / costOff.usd_per_article_interactive).toFixed(2),
      ),
    },
  }),
);
