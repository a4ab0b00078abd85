/**
 * @module
 * The text `distillery import labels` ends with: how many labels were imported, per oracle model,
 * what was skipped and why, and which files held no labels.
 */
import type { ImportLabelsSummary } from "./labels";

const REASONS: Record<string, string> = {
  duplicate: "duplicate (same article, model and prompt already imported)",
  "label.not_json": "not valid JSON",
  "label.no_analysis": "no analysis object",
  "label.dimension_missing": "a filter dimension missing",
  "label.score_invalid": "a score that is not a number from 0 to 10",
  "label.article_invalid": "article without id or text",
  "label.other_filter": "label of another filter",
  "label.invalid": "not a valid label record",
};

const count = (n: number) => n.toLocaleString("en-US");

/** The summary as lines of text. */
export function formatImportSummary(summary: ImportLabelsSummary): string {
  const where = summary.out === "-" ? "stdout" : summary.out;
  const files = summary.labelFiles.length;
  const lines = [
    `imported ${count(summary.imported)} labels from ${files} file${files === 1 ? "" : "s"} into ${where}`,
  ];
  const models = Object.entries(summary.byModel).sort((a, b) => b[1] - a[1]);
  if (models.length > 0) {
    lines.push("by oracle model:");
    const width = Math.max(...models.map(([model]) => model.length));
    for (const [model, n] of models) lines.push(`  ${model.padEnd(width)}  ${count(n)}`);
  }
  const skipped = Object.entries(summary.skipped).sort((a, b) => b[1] - a[1]);
  const totalSkipped = skipped.reduce((total, [, n]) => total + n, 0);
  lines.push(
    `skipped ${count(totalSkipped)} record${totalSkipped === 1 ? "" : "s"}${totalSkipped > 0 ? ":" : ""}`,
  );
  for (const [code, n] of skipped) lines.push(`  ${REASONS[code] ?? code}: ${count(n)}`);
  const others = summary.otherFiles;
  if (others.length > 0) {
    const shown =
      others.slice(0, 5).join(", ") + (others.length > 5 ? `, and ${others.length - 5} more` : "");
    lines.push(
      `left out ${others.length} file${others.length === 1 ? "" : "s"} holding no label records: ${shown}`,
    );
  }
  return `${lines.join("\n")}\n`;
}
