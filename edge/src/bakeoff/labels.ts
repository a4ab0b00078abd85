/**
 * @module
 * Labels a bake-off may reuse: a first ask of an article the oracle already labelled (same filter
 * version, prompt hash, provider and model in `oracle_labels`) takes that label, at its recorded
 * cost, instead of a call. Reading only: bake-off answers are never written to `oracle_labels`.
 */
import type { FilterPackage } from "@distillery/shared";
import type { Env } from "../env";
import { labelsFor, type StoredLabel } from "../oracle/label-reader";
import type { BakeoffOracleRow } from "./store";

/** Of `ids`, the articles this oracle has a label for, as item fields. */
export function reusableLabels(
  env: Env,
  filter: Pick<FilterPackage, "name" | "version">,
  oracle: BakeoffOracleRow,
  ids: readonly string[],
): Promise<Map<string, StoredLabel>> {
  const { prompt_hash, provider, model } = oracle;
  return labelsFor(
    env,
    { filter: filter.name, filter_version: filter.version, prompt_hash, provider, model },
    ids,
  );
}
