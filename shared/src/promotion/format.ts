/**
 * @module
 * The gate's comparison as plain text, the candidate and the promoted model side by side: one line
 * per check, then the decision. The CLI prints it, the bot puts it in a code block, so both read the
 * same.
 */
import type { PromotionComparison } from "./schemas";

const figure = (value: number | null | undefined) =>
  value === null || value === undefined ? "-" : String(value);
const signed = (value: number) => (value > 0 ? `+${value}` : String(value));

/**
 * A fixed-width table of the checks (candidate, production, difference, standard error, pass) and the
 * summary line.
 * @example
 * io.out(`${formatComparison(promotion.comparison).join("\n")}\n`);
 */
export function formatComparison(comparison: PromotionComparison): string[] {
  const header = ["check", "candidate", "production", "difference", "std error", "pass"];
  const rows = comparison.checks.map((check) => [
    check.name,
    figure(check.candidate),
    figure(check.incumbent),
    signed(check.difference),
    figure(check.standard_error),
    check.pass ? "yes" : "NO",
  ]);
  const table = [header, ...rows];
  const widths = header.map((_, column) => Math.max(...table.map((row) => row[column]!.length)));
  const lines =
    rows.length === 0
      ? []
      : table.map((row) =>
          row
            .map((cell, column) => cell.padEnd(widths[column]!))
            .join("  ")
            .trimEnd(),
        );
  const counted = `${comparison.n} randomly selected test articles compared; ${comparison.excluded_non_random} non-random and ${comparison.excluded_unpredicted} unpredicted left out`;
  return [...lines, ...(comparison.incumbent_model_id ? [counted] : []), comparison.summary];
}
