/**
 * @module
 * Converts an LLM Distillery filter (`config.yaml` + its prompt) into our filter package. The legacy
 * format keeps its rubric under `scoring`: `dimensions` {name: {weight, description, scale,
 * gatekeeper…}}, `tiers` or `tier_thresholds` {tier: {threshold, description}}, gatekeepers inline, as
 * a list/map under `gatekeepers`, or as `gatekeeper_rules`, and `content_type_caps`. What has no
 * equivalent in our format (conditions written as prose, per-dimension caps, Python prefilters) is
 * left out with a warning naming it, so the user knows what to review; nothing is dropped silently.
 */
import { parse as parseYaml } from "yaml";
import { DistilleryError, zodDetails } from "../errors";
import {
  type Category,
  type Dimension,
  type FilterConfig,
  type Gatekeeper,
  type Tier,
  validFilterConfigSchema,
  WEIGHT_SUM_TOLERANCE,
} from "../schemas/filter";
import { convertLegacyGatekeepers } from "./legacy-gatekeepers";
import { convertLegacyPrompt } from "./legacy-prompt";
import {
  firstNumber,
  firstString,
  isMap,
  labelFromKey,
  readNumber,
  readString,
  toSlug,
  type YamlMap,
} from "./legacy-yaml";

/** Something the conversion changed or left out; `path` points into the legacy file. */
export type ImportWarning = { path: string; message: string };

export type ConvertFilterOptions = {
  /** Our filter name; defaults to the legacy `filter.name` made into a slug. */
  name?: string;
  /** Our integer version; defaults to the major part of the legacy `filter.version`. */
  version?: number;
  /** ISO 639-1 codes; the legacy format has none, so the default is `["en"]` (with a warning). */
  languages?: string[];
};

/** The `filter.yaml` fields an import writes (the rest keep their defaults). */
export type ImportedFilterConfig = Pick<
  FilterConfig,
  "name" | "version" | "description" | "languages" | "dimensions" | "gatekeepers" | "categories" | "tiers"
>;

export type ConvertedFilter = {
  /** What `filter.yaml` should hold; it passes `validFilterConfigSchema`. */
  config: ImportedFilterConfig;
  /** What `prompt.md` should hold. */
  prompt: string;
  warnings: ImportWarning[];
  /** Dimension keys renamed on the way (legacy name → our key), for importing labels. */
  renamedDimensions: Record<string, string>;
};

/** Weights that sum to 1 within this are taken as rounding and normalised (with a warning). */
export const WEIGHT_ROUNDING_TOLERANCE = 0.02;

const notAFilter = (message: string) =>
  new DistilleryError("import.not_a_filter", message, { details: [{ path: "config.yaml", issue: message }] });

/**
 * Converts the text of a legacy `config.yaml` and prompt into our `filter.yaml` object and `prompt.md`.
 * Throws `DistilleryError` (`import.not_a_filter`, `import.weights_sum`, `import.filter_invalid`).
 * @example
 * const { config, prompt, warnings } = convertLegacyFilterConfig(configYaml, promptMd, { languages: ["en", "nl"] });
 */
export function convertLegacyFilterConfig(
  configYamlText: string,
  promptText: string,
  options: ConvertFilterOptions = {},
): ConvertedFilter {
  let legacy: unknown;
  try {
    legacy = parseYaml(configYamlText);
  } catch (error) {
    throw new DistilleryError(
      "import.not_a_filter",
      `config.yaml is not valid YAML: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  if (!isMap(legacy)) throw notAFilter("config.yaml does not hold a mapping of settings");
  const header = isMap(legacy.filter) ? legacy.filter : {};
  const scoring = isMap(legacy.scoring) ? legacy.scoring : undefined;
  if (!scoring || !isMap(scoring.dimensions))
    throw notAFilter(
      "config.yaml has no `scoring.dimensions`: it is not an LLM Distillery filter configuration",
    );

  const warnings: ImportWarning[] = [];
  const warn = (path: string, message: string) => warnings.push({ path, message });

  const name = options.name ?? nameFrom(header, warn);
  const version = options.version ?? versionFrom(header, warn);
  const description =
    firstString(header, ["description", "focus", "purpose"]) ??
    `Imported from the LLM Distillery filter '${name}'.`;
  const languages = options.languages ?? ["en"];
  if (!options.languages)
    warn(
      "filter",
      "the legacy config names no languages; set to [en]: list the languages you score in filter.yaml",
    );

  const { dimensions, renamedDimensions } = convertDimensions(scoring.dimensions, warn);
  const gatekeepers: Gatekeeper[] = convertLegacyGatekeepers(scoring, dimensions, renamedDimensions, warn);
  const caps = isMap(scoring.content_type_caps) ? scoring.content_type_caps : legacy.content_type_caps;
  const categories: Category[] = isMap(caps) ? [convertContentTypeCaps(caps, warn)] : [];
  const tierSource = isMap(scoring.tiers)
    ? "tiers"
    : isMap(scoring.tier_thresholds)
      ? "tier_thresholds"
      : undefined;
  const tiers = convertTiers(
    tierSource ? (scoring[tierSource] as YamlMap) : {},
    `scoring.${tierSource}`,
    warn,
  );

  if (isMap(legacy.prefilter) && legacy.prefilter.enabled !== false)
    warn(
      "prefilter",
      "the legacy prefilter is Python code and was not converted: write its rules under `prefilter:` in filter.yaml",
    );

  const config: ImportedFilterConfig = {
    name,
    version,
    description,
    languages,
    dimensions,
    gatekeepers,
    categories,
    tiers,
  };
  const result = validFilterConfigSchema.safeParse(config);
  if (!result.success) {
    const details = zodDetails(result.error);
    const first = details[0];
    throw new DistilleryError(
      "import.filter_invalid",
      `the converted filter is not valid: ${first ? `${first.path}: ${first.issue}` : "invalid"}`,
      { details },
    );
  }
  const prompt = convertLegacyPrompt(promptText);
  for (const message of prompt.warnings) warn("prompt", message);
  return { config, prompt: prompt.prompt, warnings, renamedDimensions };
}

type Warn = (path: string, message: string) => void;

function nameFrom(header: YamlMap, warn: Warn): string {
  const legacyName = readString(header.name);
  if (!legacyName) throw notAFilter("config.yaml has no `filter.name`; pass a name for the filter");
  const slug = toSlug(legacyName);
  if (!slug)
    throw notAFilter(`the legacy filter name '${legacyName}' cannot be made into a filter name; pass one`);
  if (slug !== legacyName) warn("filter.name", `renamed '${legacyName}' to '${slug}'`);
  return slug;
}

function versionFrom(header: YamlMap, warn: Warn): number {
  const raw = header.version;
  const text = typeof raw === "number" ? String(raw) : readString(raw);
  const match = text ? /^v?(\d+)(?:\.(\d+))?/.exec(text) : null;
  if (!match) {
    warn("filter.version", "no readable version; set to 1");
    return 1;
  }
  const major = Math.max(1, Number(match[1]));
  if ((match[2] && Number(match[2]) !== 0) || String(major) !== match[1])
    warn("filter.version", `version '${text}' became ${major}: our versions are whole numbers`);
  return major;
}

function convertDimensions(
  legacyDimensions: YamlMap,
  warn: Warn,
): { dimensions: Dimension[]; renamedDimensions: Record<string, string> } {
  const kept: Dimension[] = [];
  const renamedDimensions: Record<string, string> = {};
  for (const [legacyKey, value] of Object.entries(legacyDimensions)) {
    const path = `scoring.dimensions.${legacyKey}`;
    const spec = isMap(value) ? value : {};
    const key = toSlug(legacyKey);
    if (!key) throw notAFilter(`${path}: the dimension name cannot be made into a key`);
    if (key !== legacyKey) {
      renamedDimensions[legacyKey] = key;
      warn(path, `renamed to '${key}'`);
    }
    const weight = readNumber(spec.weight);
    if (weight === undefined) throw notAFilter(`${path}: no numeric \`weight\``);
    if (weight === 0) {
      warn(path, "weight 0: our dimensions need a weight above 0, so this dimension was left out");
      continue;
    }
    const label = labelFromKey(key);
    const scale = spec.scale;
    const scaleNotes =
      typeof scale === "string" ? scale.trim() : isMap(scale) ? stringRecord(scale) : undefined;
    kept.push({
      key,
      label,
      weight,
      description: readString(spec.description) ?? label,
      ...(scaleNotes ? { scale_notes: scaleNotes } : {}),
    });
  }
  return { dimensions: normaliseWeights(kept, warn), renamedDimensions };
}

function stringRecord(map: YamlMap): Record<string, string> {
  return Object.fromEntries(
    Object.entries(map).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
}

/** Normalises weights that sum to 1 only up to rounding; anything further off is an error. */
function normaliseWeights(dimensions: Dimension[], warn: Warn): Dimension[] {
  const sum = dimensions.reduce((total, d) => total + d.weight, 0);
  if (Math.abs(sum - 1) <= WEIGHT_SUM_TOLERANCE) return dimensions;
  const shown = Number(sum.toFixed(6));
  if (Math.abs(sum - 1) > WEIGHT_ROUNDING_TOLERANCE)
    throw new DistilleryError(
      "import.weights_sum",
      `dimension weights sum to ${shown}, not 1: fix the weights in config.yaml (only rounding within ±${WEIGHT_ROUNDING_TOLERANCE} is normalised)`,
      { details: [{ path: "scoring.dimensions", issue: `weights sum to ${shown}` }] },
    );
  warn("scoring.dimensions", `weights summed to ${shown}; normalised to sum to 1`);
  const scaled = dimensions.map((d) => ({ ...d, weight: Math.round((d.weight / sum) * 1e6) / 1e6 }));
  const residue = 1 - scaled.reduce((total, d) => total + d.weight, 0);
  const largest = scaled.reduce((best, d) => (d.weight > best.weight ? d : best));
  largest.weight = Math.round((largest.weight + residue) * 1e6) / 1e6;
  return scaled;
}

/** Numeric tiers become ours, highest first; tiers defined by prose conditions cannot be converted. */
function convertTiers(legacyTiers: YamlMap, path: string, warn: Warn): Tier[] {
  const tiers: Tier[] = [];
  for (const [legacyKey, value] of Object.entries(legacyTiers)) {
    const spec = isMap(value) ? value : { threshold: value };
    const key = toSlug(legacyKey);
    const threshold = firstNumber(spec, ["threshold", "min_overall", "min_score", "min"]);
    if (!key) continue;
    if (!threshold) {
      const condition = readString(spec.condition);
      warn(
        `${path}.${legacyKey}`,
        `no numeric threshold${condition ? ` (condition: ${condition})` : ""}; our tiers are score bands, so it was left out`,
      );
      continue;
    }
    if (threshold.value < 0 || threshold.value > 10) {
      warn(`${path}.${legacyKey}`, `threshold ${threshold.value} is outside 0-10; left out`);
      continue;
    }
    const label = labelFromKey(key);
    tiers.push({
      key,
      label,
      min_overall: threshold.value,
      description: readString(spec.description) ?? label,
    });
  }
  tiers.sort((a, b) => b.min_overall - a.min_overall);
  const lowest = tiers.at(-1);
  if (!lowest) {
    warn(
      path,
      "no tier could be converted; created one tier 'all' from 0: define score bands in filter.yaml",
    );
    return [
      { key: "all", label: "All", min_overall: 0, description: "Every article (no tiers were imported)." },
    ];
  }
  if (lowest.min_overall !== 0) {
    warn(
      `${path}.${lowest.key}`,
      `the lowest tier started at ${lowest.min_overall}; set to 0 so every score has a tier`,
    );
    lowest.min_overall = 0;
  }
  return tiers;
}

const OVERALL_CAP_KEYS = ["max_score", "max_overall", "max_overall_score", "cap_overall_at"];

/** `content_type_caps` become one `content_type` category, plus `other` for articles none of them fits. */
function convertContentTypeCaps(caps: YamlMap, warn: Warn): Category {
  const values: Category["values"] = [];
  for (const [legacyKey, value] of Object.entries(caps)) {
    const path = `scoring.content_type_caps.${legacyKey}`;
    const spec = isMap(value) ? value : {};
    const key = toSlug(legacyKey);
    if (!key) continue;
    const cap = firstNumber(spec, OVERALL_CAP_KEYS);
    for (const field of Object.keys(spec))
      if (field.startsWith("max_") && field !== cap?.key)
        warn(path, `\`${field}\` caps something other than the overall score; not supported, left out`);
    const condition = readString(spec.condition);
    if (condition) warn(path, `the condition '${condition}' is kept in the description but not enforced`);
    values.push({
      key,
      description: capDescription(spec, labelFromKey(key), condition),
      ...(cap && cap.value >= 0 && cap.value <= 10 ? { cap_overall_at: cap.value } : {}),
    });
  }
  if (!values.some((v) => v.key === "other"))
    values.push({ key: "other", description: "None of the kinds above." });
  return {
    key: "content_type",
    label: "Content type",
    description:
      "What kind of article this is; some kinds cap the overall score (imported from content_type_caps).",
    values,
  };
}

function capDescription(spec: YamlMap, label: string, condition: string | undefined): string {
  const list = (value: unknown) =>
    Array.isArray(value)
      ? value.filter((v): v is string => typeof v === "string").join("; ")
      : readString(value);
  const parts = [readString(spec.description) ?? label];
  const triggers = list(spec.triggers);
  if (triggers) parts.push(`Triggers: ${triggers}.`);
  const exceptions = list(spec.exceptions);
  if (exceptions) parts.push(`Not when: ${exceptions}.`);
  if (condition) parts.push(`Applies when: ${condition}.`);
  return parts.join(" ");
}
