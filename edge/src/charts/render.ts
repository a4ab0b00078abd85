/**
 * @module
 * Chart PNGs inside workerd, the same pictures the bot and the CLI render in Node: the shared
 * vega-lite specs (`evalChartSpecs`) → SVG with `vega` (headless; expressions evaluated by
 * `vega-interpreter`, since workerd forbids compiling code from strings) → PNG with
 * `@resvg/resvg-wasm` (resvg compiled to WebAssembly; the native `@resvg/resvg-js` cannot load in
 * workerd). The DejaVu Sans TTFs are bundled as data modules (wrangler rule for `*.ttf`), so text is
 * drawn with the same font as in Node and no system fonts are needed.
 */
import { CHART_FONT, type ChartSpec } from "@distillery/shared";
import { initWasm, Resvg } from "@resvg/resvg-wasm";
import resvgWasm from "@resvg/resvg-wasm/index_bg.wasm";
import dejavu from "dejavu-fonts-ttf/ttf/DejaVuSans.ttf";
import dejavuBold from "dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf";
import * as vega from "vega";
import { expressionInterpreter } from "vega-interpreter";
import { compile, type TopLevelSpec } from "vega-lite";

/** Device pixels per CSS pixel, as the Node renderer uses: text stays crisp when Discord scales down. */
const SCALE = 2;

let ready: Promise<void> | null = null;

/** Instantiates the resvg module once per isolate. */
function resvgReady(): Promise<void> {
  ready ??= initWasm(resvgWasm);
  return ready;
}

/** SVG text of a vega-lite spec, without compiling expressions to code. */
export async function chartSvg(spec: TopLevelSpec): Promise<string> {
  const runtime = vega.parse(compile(spec).spec, undefined, { ast: true });
  const view = new vega.View(runtime, { renderer: "none", expr: expressionInterpreter });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * One chart as PNG bytes at `scale` device pixels per CSS pixel (2, as in Node: 1280×800 for 640×400).
 * @example
 * const png = await chartPng(evalChartSpecs(report)[0]);
 */
export async function chartPng(chart: ChartSpec, scale = SCALE): Promise<Uint8Array> {
  const svg = await chartSvg(chart.spec);
  await resvgReady();
  const resvg = new Resvg(svg, {
    font: {
      loadSystemFonts: false,
      fontBuffers: [new Uint8Array(dejavu), new Uint8Array(dejavuBold)],
      defaultFontFamily: CHART_FONT,
    },
    fitTo: { mode: "zoom", value: scale },
  });
  try {
    return resvg.render().asPng();
  } finally {
    resvg.free();
  }
}
