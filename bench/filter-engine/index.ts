/**
 * Benchmark: prefilter + postfilter over a generated corpus (default 100K articles, 1-3K characters,
 * en/nl/pt/es) with every built-in filter, on one core. Prints progress, then one JSON line:
 * `{"articles_per_s_per_core": …}` (goal >= 100K), with the pass rate and per-stage figures.
 *
 * Usage: npm run bench -- filter-engine [--articles N] [--filter NAME]
 */
import { parseArgs } from "node:util";
import { compilePrefilter, postfilter, seededRandom } from "@distillery/shared";
import { loadBuiltinFilters } from "@distillery/shared/node";
import { generateCorpus } from "./corpus";

const { values } = parseArgs({
  options: { articles: { type: "string", default: "100000" }, filter: { type: "string" } },
});
const count = Number(values.articles);
const filters = (await loadBuiltinFilters()).filter((f) => !values.filter || f.name === values.filter);
if (filters.length === 0) throw new Error(`no built-in filter named '${values.filter}'`);

console.error(`generating ${count} articles…`);
const corpus = generateCorpus(count);
const random = seededRandom(7);
const scores = corpus.map(() => random() * 10);
const totalChars = corpus.reduce((sum, a) => sum + a.title.length + a.body.length, 0);
console.error(`corpus: ${count} articles, mean ${Math.round(totalChars / count)} characters`);

const perFilter: Record<string, { articles_per_s: number; pass_rate: number }> = {};
let totalSeconds = 0;
for (const filter of filters) {
  const prefilter = compilePrefilter(filter);
  const dimensionScores = (i: number) =>
    Object.fromEntries(filter.dimensions.map((d, j) => [d.key, (scores[i]! + j) % 10]));
  // Warm up so the JIT has compiled the hot paths before timing.
  for (let i = 0; i < Math.min(5_000, count); i++) prefilter(corpus[i]!);
  let passed = 0;
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    if (prefilter(corpus[i]!).pass) {
      passed++;
      postfilter(filter, dimensionScores(i));
    }
  }
  const seconds = (performance.now() - start) / 1000;
  totalSeconds += seconds;
  perFilter[filter.name] = {
    articles_per_s: Math.round(count / seconds),
    pass_rate: Number((passed / count).toFixed(3)),
  };
  console.error(
    `${filter.name}: ${perFilter[filter.name]!.articles_per_s} articles/s, ${(100 * passed) / count}% passed`,
  );
}

console.log(
  JSON.stringify({
    articles_per_s_per_core: Math.round((count * filters.length) / totalSeconds),
    articles: count,
    filters: filters.length,
    mean_chars: Math.round(totalChars / count),
    per_filter: perFilter,
  }),
);
