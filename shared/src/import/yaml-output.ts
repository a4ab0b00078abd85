/**
 * @module
 * Writes a converted filter as `filter.yaml` text: a header comment saying where it came from, what
 * the conversion changed or left out (so a reviewer sees it in the file itself), then the settings.
 */
import { stringify } from "yaml";
import type { ConvertedFilter } from "./legacy-filter";

/**
 * The `filter.yaml` text of a converted filter.
 * @example
 * writeFileSync("filter.yaml", importedFilterYaml(converted, "config.yaml"));
 */
export function importedFilterYaml(
  converted: Pick<ConvertedFilter, "config" | "warnings">,
  source: string,
): string {
  const header = [
    `# Imported from the LLM Distillery filter ${source} by \`distillery import filter\`.`,
    "# The prompt the oracle reads is prompt.md next to this file.",
  ];
  if (converted.warnings.length > 0) {
    header.push("# Review before use; the conversion noted:");
    for (const warning of converted.warnings)
      header.push(`#   - ${warning.path}: ${warning.message}`.replace(/\n/g, " "));
  }
  return `${header.join("\n")}\n${stringify(converted.config, { lineWidth: 110 })}`;
}
