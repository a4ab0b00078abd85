/**
 * @module
 * Node-only chart rendering (`@distillery/shared/node/charts`): vega-lite spec → SVG with `vega` and
 * `vega-lite` (headless, no canvas), SVG → PNG with `@resvg/resvg-js` (a Rust renderer shipped as a
 * prebuilt binary in its npm package: no system graphics stack). resvg gets the DejaVu Sans TTF from
 * the `dejavu-fonts-ttf` package and no system fonts, so text looks the same on every machine, including
 * ones without any fonts installed. The bot and the CLI both render through here.
 */
import { createRequire } from "node:module";
import { Resvg } from "@resvg/resvg-js";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { type ChartSpec, evalChartSpecs } from "../charts/eval";
import { CHART_FONT } from "../charts/theme";
import type { EvalReport } from "../schemas/report";

const require = createRequire(import.meta.url);
const FONT_FILES = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"].map((file) =>
  require.resolve(`dejavu-fonts-ttf/ttf/${file}`),
);

/** Device pixels per CSS pixel: 2 keeps text crisp when Discord scales the image down. */
export const DEFAULT_CHART_SCALE = 2;

export type RenderedChart = { name: string; title: string; png: Buffer; width: number; height: number };

/** Renders a vega-lite spec to SVG text. */
export async function renderChartSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Rasterises SVG text with the bundled font; `pixels` is the RGBA buffer, for checks. */
export function rasterizeSvg(svg: string, scale = DEFAULT_CHART_SCALE) {
  const rendered = new Resvg(svg, {
    font: { loadSystemFonts: false, fontFiles: FONT_FILES, defaultFontFamily: CHART_FONT },
    fitTo: { mode: "zoom", value: scale },
  }).render();
  return { png: rendered.asPng(), width: rendered.width, height: rendered.height, pixels: rendered.pixels };
}

/**
 * Renders a vega-lite spec to a PNG (`scale` device pixels per CSS pixel).
 * @example
 * const { png, width, height } = await renderChartPng(scatterSpec(report).spec);
 */
export async function renderChartPng(
  spec: TopLevelSpec,
  scale = DEFAULT_CHART_SCALE,
): Promise<{ png: Buffer; width: number; height: number }> {
  const { png, width, height } = rasterizeSvg(await renderChartSvg(spec), scale);
  return { png, width, height };
}

/** Renders one named chart spec. */
export async function renderChart(chart: ChartSpec, scale = DEFAULT_CHART_SCALE): Promise<RenderedChart> {
  return { name: chart.name, title: chart.title, ...(await renderChartPng(chart.spec, scale)) };
}

/** Renders every chart of an evaluation report, in display order. */
export async function renderEvalCharts(
  report: EvalReport,
  scale = DEFAULT_CHART_SCALE,
): Promise<RenderedChart[]> {
  const charts: RenderedChart[] = [];
  // One at a time: each render holds a full-size pixmap, and there are only six.
  for (const chart of evalChartSpecs(report)) charts.push(await renderChart(chart, scale));
  return charts;
}
