/**
 * @module
 * The eval report's needle section: `needleMetrics` for the student and both baselines on the test
 * split, why any of it is missing, and the verdict's plain-language line about the top tier. Kept
 * apart from `buildEvalReport` so that the report stays one readable assembly of sections.
 */
import type { PostfilterFilter } from "../filter/postfilter";
import type { EvalReport, NeedleMetrics } from "../schemas/report";
import type { ScoredPair } from "./index";
import { needleMetrics } from "./needle";

export type NeedleSection = Pick<EvalReport, "needle" | "baselines_needle"> & {
  /** Reasons for the report's `missing`, keyed by report field. */
  missing: Record<string, string>;
  /** One verdict line about the top tier; null when there is no needle section. */
  verdict: string | null;
};

const pct = (value: number) => `${Math.round(value * 1000) / 10}%`;

/**
 * One true sentence about how the student does on the top tier(s).
 * @example
 * needleVerdict(needle) // "Top tier 'high' (12 of 400 test articles by the oracle): the student finds 9 (recall 75%); 9 of its 10 top-tier calls are right (precision 90%)."
 */
export function needleVerdict(needle: NeedleMetrics): string {
  const named = `Top tier${needle.top_tiers.length > 1 ? "s" : ""} ${needle.top_tiers.map((t) => `'${t}'`).join(", ")}`;
  if (needle.support === 0)
    return `${named}: no test article is there by the oracle's scores, so this test split cannot tell whether the student finds them.`;
  const found = Math.round(needle.recall! * needle.support);
  const calls =
    needle.precision === null
      ? "it puts no test article there"
      : `${Math.round(needle.precision * needle.predicted)} of its ${needle.predicted} top-tier calls are right (precision ${pct(needle.precision)})`;
  return `${named} (${needle.support} of ${needle.n} test articles by the oracle): the student finds ${found} (recall ${pct(needle.recall!)}); ${calls}.`;
}

/**
 * The needle section of the eval report.
 * @example
 * const section = needleSection(filter, { student: studentPairs, constant: constantPairs, lexical: null });
 * section.needle?.recall;
 */
export function needleSection(
  filter: PostfilterFilter,
  pairs: {
    student: readonly ScoredPair[];
    constant: readonly ScoredPair[];
    lexical: readonly ScoredPair[] | null;
  },
  lexicalReason: string | undefined,
): NeedleSection {
  if (pairs.student.length === 0) {
    const reason = "the test split is empty";
    return {
      needle: null,
      baselines_needle: null,
      missing: { needle: reason, baselines_needle: reason },
      verdict: null,
    };
  }
  const needle = needleMetrics(filter, pairs.student);
  const missing: Record<string, string> = {};
  if (!pairs.lexical) missing["baselines_needle.lexical"] = lexicalReason ?? "no lexical baseline";
  return {
    needle,
    baselines_needle: {
      constant: needleMetrics(filter, pairs.constant),
      lexical: pairs.lexical ? needleMetrics(filter, pairs.lexical) : null,
    },
    missing,
    verdict: needleVerdict(needle),
  };
}
