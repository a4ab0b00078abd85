/**
 * @module
 * Small readers for the loosely-typed values of an LLM Distillery `config.yaml` (numbers written as
 * strings, versions like `"1.0"`, keys in upper case). They never guess silently: a value that cannot
 * be read is `undefined`, and the caller decides whether that is a warning or an error.
 */

export type YamlMap = Record<string, unknown>;

export function isMap(value: unknown): value is YamlMap {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A finite number, or a string holding one (`"7.5"`); otherwise `undefined`. */
export function readNumber(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value)))
    return Number(value);
  return undefined;
}

/** A non-empty trimmed string, or `undefined`. */
export function readString(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  return trimmed === "" ? undefined : trimmed;
}

/** The first key of `keys` that `map` holds a number for. */
export function firstNumber(
  map: YamlMap,
  keys: readonly string[],
): { key: string; value: number } | undefined {
  for (const key of keys) {
    const value = readNumber(map[key]);
    if (value !== undefined) return { key, value };
  }
  return undefined;
}

/** The first key of `keys` that `map` holds a non-empty string for. */
export function firstString(map: YamlMap, keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const value = readString(map[key]);
    if (value !== undefined) return value;
  }
  return undefined;
}

/**
 * Turns a legacy name into one of our slugs (`RED` → `red`, `Climate Impact` → `climate_impact`).
 * Returns `undefined` when nothing usable is left.
 */
export function toSlug(name: string): string | undefined {
  let slug = name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, "_")
    .replace(/^[^a-z]+/, "")
    .replace(/_+$/, "");
  if (slug.length > 64) slug = slug.slice(0, 64);
  return slug === "" ? undefined : slug;
}

/** A readable label from a key: `climate_impact` → `Climate impact`. */
export function labelFromKey(key: string): string {
  const words = key.replace(/[_-]+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
