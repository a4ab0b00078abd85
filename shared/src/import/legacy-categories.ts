/**
 * @module
 * Categorical fields of a legacy analysis (`content_type`), mapped onto the filter's categories. Legacy
 * oracles wrote one value, several joined by `|`, or a list, and some flagged capped kinds as booleans
 * under `flags` (`{ greenwashing_risk: true }`). When several known values apply, the one with the
 * lowest cap wins, as every legacy cap applied at once. A value the filter does not know becomes
 * `other` when the filter has it; a record with no such field gets no value.
 */
import type { Category } from "../schemas/filter";
import { isMap, toSlug, type YamlMap } from "./legacy-yaml";

/** The category values a legacy analysis names, one per filter category it can be mapped to. */
export function resolveCategories(
  analysis: YamlMap,
  categories: readonly Category[],
): Record<string, string> {
  const resolved: Record<string, string> = {};
  const flags = isMap(analysis.flags) ? analysis.flags : {};
  for (const category of categories) {
    const named = namedValues(analysis[category.key]);
    const flagged = Object.entries(flags)
      .filter(([, on]) => on === true)
      .map(([name]) => toSlug(name))
      .filter((name): name is string => name !== undefined);
    const candidates = [...named, ...flagged, ...flagged.map((name) => name.replace(/_risk$/, ""))];
    const known = category.values.filter((v) => candidates.includes(v.key));
    if (known.length > 0) {
      const strictest = known.reduce((best, v) =>
        (v.cap_overall_at ?? Number.POSITIVE_INFINITY) < (best.cap_overall_at ?? Number.POSITIVE_INFINITY)
          ? v
          : best,
      );
      resolved[category.key] = strictest.key;
    } else if (
      (named.length > 0 || Object.keys(flags).length > 0) &&
      category.values.some((v) => v.key === "other")
    ) {
      resolved[category.key] = "other";
    }
  }
  return resolved;
}

function namedValues(value: unknown): string[] {
  const parts = Array.isArray(value) ? value : typeof value === "string" ? value.split(/[|,]/) : [];
  return parts
    .filter((part): part is string => typeof part === "string")
    .map((part) => toSlug(part))
    .filter((part): part is string => part !== undefined);
}
