/**
 * @module
 * The look every Distillery chart shares: Discord's dark theme colours (so a PNG posted in a channel
 * sits on the same grey as the message around it), one font family that the Node renderer bundles
 * (DejaVu Sans, so text renders on machines without system fonts), and fixed pixel sizes so the same
 * report always yields pictures of the same size.
 */
import type { Config, TopLevelSpec } from "vega-lite";

/** Discord dark-theme palette (background, text, grid) plus the series colours we draw with. */
export const CHART_COLORS = {
  background: "#2b2d31",
  text: "#dbdee1",
  title: "#f2f3f5",
  grid: "#3f4147",
  accent: "#5865f2",
  pass: "#57f287",
  fail: "#ed4245",
  secondary: "#fee75c",
} as const;

/** The font family the specs name; the renderer maps it to the bundled TTF. */
export const CHART_FONT = "DejaVu Sans";

/** Outer size in CSS pixels of every chart (the PNG is this times the render scale). */
export const CHART_SIZE = { width: 640, height: 400 } as const;

/** vega-lite `config` for the dark theme. */
export const darkThemeConfig: Config = {
  background: CHART_COLORS.background,
  font: CHART_FONT,
  padding: 12,
  view: { stroke: null },
  title: { color: CHART_COLORS.title, fontSize: 16, font: CHART_FONT, anchor: "start", offset: 12 },
  axis: {
    labelColor: CHART_COLORS.text,
    titleColor: CHART_COLORS.text,
    gridColor: CHART_COLORS.grid,
    domainColor: CHART_COLORS.grid,
    tickColor: CHART_COLORS.grid,
    labelFont: CHART_FONT,
    titleFont: CHART_FONT,
    labelFontSize: 12,
    titleFontSize: 13,
  },
  legend: {
    labelColor: CHART_COLORS.text,
    titleColor: CHART_COLORS.text,
    labelFont: CHART_FONT,
    titleFont: CHART_FONT,
  },
  text: { font: CHART_FONT },
  // Bright series colours: the default palette is too dim on Discord's grey.
  range: {
    category: ["#5865f2", "#fee75c", "#57f287", "#eb459e", "#ed4245", "#3ba55c", "#faa61a", "#00b0f4"],
  },
};

/**
 * The part every chart spec starts with: schema, title, the fixed size and the theme. `fit` + `padding`
 * makes the whole picture exactly `CHART_SIZE`, whatever the labels.
 */
export function chartFrame(
  title: string,
): Pick<TopLevelSpec, "$schema" | "config"> & Record<string, unknown> {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title,
    width: CHART_SIZE.width,
    height: CHART_SIZE.height,
    autosize: { type: "fit", contains: "padding" },
    config: darkThemeConfig,
  };
}
