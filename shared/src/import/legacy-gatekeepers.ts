/**
 * @module
 * Gatekeepers of a legacy filter, in the three shapes LLM Distillery configs use:
 * - inline in a dimension: `gatekeeper: true`, `gatekeeper_threshold`, `gatekeeper_max_score`;
 * - `scoring.gatekeepers`, a list `[{dimension, min_threshold, caps_overall_at, reason}]` or a map
 *   `{name: {dimension, threshold, max_score, reason}}`;
 * - `scoring.gatekeeper_rules`, a map `{dimension: {threshold, max_overall_if_below, reasoning}}`.
 * All become ours: below `min` on `dimension`, the overall score is capped at `cap_overall_at`.
 * Identical rules found in two places are kept once.
 */
import type { Dimension, Gatekeeper } from "../schemas/filter";
import { firstNumber, firstString, isMap, toSlug, type YamlMap } from "./legacy-yaml";

type Warn = (path: string, message: string) => void;

const MIN_KEYS = ["gatekeeper_threshold", "min_threshold", "threshold", "min"];
const CAP_KEYS = [
  "gatekeeper_max_score",
  "caps_overall_at",
  "cap_overall_at",
  "max_overall_if_below",
  "max_score",
  "max_overall",
];
const REASON_KEYS = ["reason", "reasoning", "description"];
/** Inside a dimension, `description` describes the dimension, not the gatekeeper. */
const INLINE_REASON_KEYS = ["gatekeeper_reason", "gatekeeper_rule"];

/** Collects every gatekeeper of `scoring` that names a kept dimension and has a numeric threshold and cap. */
export function convertLegacyGatekeepers(
  scoring: YamlMap,
  dimensions: readonly Dimension[],
  renamed: Readonly<Record<string, string>>,
  warn: Warn,
): Gatekeeper[] {
  const known = new Set(dimensions.map((d) => d.key));
  const found: Gatekeeper[] = [];
  const add = (path: string, legacyDimension: string | undefined, spec: YamlMap, inline = false) => {
    const gatekeeper = readGatekeeper(path, legacyDimension, spec, known, renamed, warn, inline);
    if (!gatekeeper) return;
    const same = found.some(
      (g) =>
        g.dimension === gatekeeper.dimension &&
        g.min === gatekeeper.min &&
        g.cap_overall_at === gatekeeper.cap_overall_at,
    );
    if (!same) found.push(gatekeeper);
  };

  if (isMap(scoring.dimensions)) {
    for (const [name, spec] of Object.entries(scoring.dimensions)) {
      if (!isMap(spec) || spec.gatekeeper !== true) continue;
      const path = `scoring.dimensions.${name}`;
      add(path, name, spec, true);
      if (spec.gatekeeper_exception !== undefined)
        warn(
          path,
          "`gatekeeper_exception` (an exception that depends on another dimension) is not supported; left out",
        );
    }
  }
  const list = scoring.gatekeepers;
  if (Array.isArray(list)) {
    list.forEach((spec, i) => {
      if (isMap(spec)) add(`scoring.gatekeepers[${i}]`, undefined, spec);
    });
  } else if (isMap(list)) {
    for (const [name, spec] of Object.entries(list))
      if (isMap(spec)) add(`scoring.gatekeepers.${name}`, spec.dimension ? undefined : name, spec);
  }
  if (isMap(scoring.gatekeeper_rules)) {
    for (const [name, spec] of Object.entries(scoring.gatekeeper_rules))
      if (isMap(spec)) add(`scoring.gatekeeper_rules.${name}`, spec.dimension ? undefined : name, spec);
  }
  return found;
}

function readGatekeeper(
  path: string,
  legacyDimension: string | undefined,
  spec: YamlMap,
  known: ReadonlySet<string>,
  renamed: Readonly<Record<string, string>>,
  warn: Warn,
  inline: boolean,
): Gatekeeper | undefined {
  const legacyName = legacyDimension ?? firstString(spec, ["dimension"]);
  if (!legacyName) {
    warn(path, "names no dimension; left out");
    return undefined;
  }
  const dimension = renamed[legacyName] ?? toSlug(legacyName) ?? legacyName;
  if (!known.has(dimension)) {
    warn(path, `dimension '${legacyName}' is not among the imported dimensions; gatekeeper left out`);
    return undefined;
  }
  const min = firstNumber(spec, MIN_KEYS);
  const cap = firstNumber(spec, CAP_KEYS);
  if (!min || !cap) {
    warn(
      path,
      `needs a numeric threshold and a cap on the overall score (${min ? "no cap" : "no threshold"}); left out`,
    );
    return undefined;
  }
  if (min.value < 0 || min.value > 10 || cap.value < 0 || cap.value > 10) {
    warn(path, `threshold ${min.value} or cap ${cap.value} is outside 0-10; left out`);
    return undefined;
  }
  const reason =
    firstString(spec, inline ? INLINE_REASON_KEYS : REASON_KEYS) ??
    `${dimension} below ${min.value} caps the overall score at ${cap.value}`;
  return { dimension, min: min.value, cap_overall_at: cap.value, reason };
}
