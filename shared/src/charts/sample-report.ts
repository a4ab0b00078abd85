/**
 * @module
 * A deterministic evaluation report for tests, docs and screenshots, produced by the project's own
 * metrics (`computeMetrics`, `tierConfusion`, `metricsByLanguage`) on synthetic oracle/student pairs
 * for the example filter: no real run needed. The student is noisier on `evidence` than on the other
 * dimensions so the report shows both a passing and a failing row.
 */
import { computeMetrics, metricsByLanguage, type ScoredPair, tierConfusion } from "../metrics/index";
import { seededRandom } from "../random";
import { type EvalReport, QUALITY_BAR } from "../schemas/report";
import { exampleFilter } from "../testing/example-filter";

const clamp = (x: number) => Math.min(10, Math.max(0, Math.round(x * 10) / 10));

/**
 * A complete `EvalReport` for the example filter, `n` test articles (default 200).
 * @example
 * const report = sampleEvalReport(); report.metrics.tier_agreement; // ≈ 0.8
 */
export function sampleEvalReport(n = 200, seed = 7): EvalReport {
  const filter = exampleFilter();
  const next = seededRandom(seed);
  const noise = (spread: number) => (next() + next() + next() - 1.5) * spread;
  const spreads: Record<string, number> = { deployment: 1.2, impact: 1.6, evidence: 3.2 };
  const student: ScoredPair[] = [];
  const constant: ScoredPair[] = [];
  for (let i = 0; i < n; i++) {
    const base = next() * 10;
    const oracle = Object.fromEntries(filter.dimensions.map((d) => [d.key, clamp(base + noise(3))]));
    const language = next() < 0.7 ? "en" : "nl";
    student.push({
      oracle,
      language,
      student: Object.fromEntries(
        filter.dimensions.map((d) => [d.key, clamp(oracle[d.key]! + noise(spreads[d.key]!))]),
      ),
    });
    constant.push({
      oracle,
      language,
      student: Object.fromEntries(filter.dimensions.map((d) => [d.key, 4.5])),
    });
  }
  const metrics = computeMetrics(filter, student);
  const qualityBar = Object.fromEntries(
    (Object.keys(QUALITY_BAR) as (keyof typeof QUALITY_BAR)[]).map((key) => {
      const bar = QUALITY_BAR[key];
      const value = metrics[key];
      return [
        key,
        { value, target: bar.target, pass: bar.higher_is_better ? value >= bar.target : value <= bar.target },
      ];
    }),
  );
  const scatter = student.map((pair) => {
    const overall = (scores: Readonly<Record<string, number>>) =>
      filter.dimensions.reduce((sum, d) => sum + d.weight * scores[d.key]!, 0);
    return { oracle: overall(pair.oracle), student: overall(pair.student), language: pair.language ?? "und" };
  });
  const steps = 30;
  return {
    filter: filter.name,
    filter_version: filter.version,
    model: {
      id: "model-sample",
      kind: "regression",
      base_model: "Qwen/Qwen2.5-0.5B",
      backend: "transformers",
    },
    n_test: n,
    metrics,
    baselines: { constant: computeMetrics(filter, constant), lexical: null },
    per_language: metricsByLanguage(filter, student),
    tier_confusion: tierConfusion(filter, student),
    quality_bar: qualityBar,
    verdict: ["Synthetic sample report (example filter): not from a real training run."],
    training_curve: Array.from({ length: steps }, (_, i) => ({
      step: (i + 1) * 10,
      loss: 4 * Math.exp(-i / 8) + 0.6 + next() * 0.15,
      val_loss: i % 5 === 4 ? 4 * Math.exp(-i / 8) + 0.8 : null,
    })),
    cascade: [],
    scatter,
    created_at: "2026-11-25T00:00:00.000Z",
  };
}
