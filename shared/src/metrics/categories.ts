/**
 * @module
 * Per-category accuracy and confusion: for each categorical field of a filter, how often the
 * student's own predicted value matched the oracle's, over the pairs where the student predicted that
 * field and the oracle answered it. Values are in the filter's order; a value outside the filter
 * (which a valid prediction never holds) counts as a miss and has no cell in the matrix.
 */
import type { FilterPackage } from "../schemas/filter";
import type { CategoryMetrics } from "../schemas/report";

type CategoryPair = {
  oracleCategories?: Readonly<Record<string, string>>;
  studentCategories?: Readonly<Record<string, string>>;
};

/**
 * Accuracy and confusion per categorical field; a field no pair has both answers for is left out
 * (the caller says why).
 * @example
 * categoryMetrics(filter, pairs).content_type // { accuracy: 0.9, n: 120, labels: ["news", …], matrix: [[…]] }
 */
export function categoryMetrics(
  filter: Pick<FilterPackage, "categories">,
  pairs: readonly CategoryPair[],
): Record<string, CategoryMetrics> {
  const result: Record<string, CategoryMetrics> = {};
  for (const category of filter.categories) {
    const labels = category.values.map((v) => v.key);
    const index = new Map(labels.map((key, i) => [key, i]));
    const matrix = labels.map(() => labels.map(() => 0));
    let n = 0;
    let right = 0;
    for (const pair of pairs) {
      const predicted = pair.studentCategories?.[category.key];
      const truth = pair.oracleCategories?.[category.key];
      if (predicted === undefined || truth === undefined) continue;
      n++;
      if (predicted === truth) right++;
      const i = index.get(truth);
      const j = index.get(predicted);
      if (i !== undefined && j !== undefined) matrix[i]![j]! += 1;
    }
    if (n > 0) result[category.key] = { accuracy: right / n, n, labels, matrix };
  }
  return result;
}
