/**
 * @module
 * `npm run -w bot eval-images -- --edge URL --token TOKEN --model ID [--out DIR]` (or `--report FILE`):
 * renders the four evaluation charts of a model's latest eval report — the same PNGs `/eval` attaches —
 * into `docs/images/` (default), and prints the summary embed's text blocks as Markdown, so the bot
 * docs show a real run. The report comes from the edge (`GET /v1/jobs/{eval job}/report`) or a file.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { DistilleryClient, evalReportSchema } from "@distillery/shared";
import { renderEvalCharts } from "@distillery/shared/node/charts";
import { latestEvalJob } from "../src/commands/eval";
import { evalEmbeds } from "../src/format/eval";

const { values } = parseArgs({
  options: {
    edge: { type: "string" },
    token: { type: "string" },
    model: { type: "string" },
    report: { type: "string" },
    out: { type: "string", default: resolve(import.meta.dirname, "../../docs/images") },
  },
});

async function loadReport() {
  if (values.report) return evalReportSchema.parse(JSON.parse(await readFile(values.report, "utf8")));
  if (!values.edge || !values.model)
    throw new Error("give --report FILE, or --edge URL --token T --model ID");
  const edge = new DistilleryClient({ baseUrl: values.edge, token: values.token });
  return edge.jobReport(await latestEvalJob(edge, values.model));
}

const report = await loadReport();
const charts = await renderEvalCharts(report);
for (const chart of charts) {
  await writeFile(join(values.out!, `eval-${chart.name}.png`), chart.png);
  console.error(`wrote eval-${chart.name}.png (${chart.width}×${chart.height})`);
}
const [summary] = evalEmbeds(report);
console.log(`**${summary!.title}**\n\n${summary!.description}\n`);
for (const field of summary!.fields ?? []) console.log(`${field.name}\n${field.value}\n`);
