import { describe, expect, it } from "vitest";
import { EVAL_CHART_NAMES, scatterSpec } from "../charts/eval";
import { sampleEvalReport } from "../charts/sample-report";
import { CHART_SIZE } from "../charts/theme";
import { evalReportSchema } from "../schemas/report";
import { rasterizeSvg, renderChartSvg, renderEvalCharts } from "./charts";

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe("chart rendering", () => {
  const report = evalReportSchema.parse(sampleEvalReport(60));

  it("renders each eval chart to a PNG of the fixed size at twice the pixels", async () => {
    const charts = await renderEvalCharts(report);
    expect(charts.map((c) => c.name)).toEqual([...EVAL_CHART_NAMES]);
    for (const chart of charts) {
      expect(chart.png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
      // IHDR holds width and height at bytes 16..24.
      expect(chart.png.readUInt32BE(16)).toBe(CHART_SIZE.width * 2);
      expect(chart.png.readUInt32BE(20)).toBe(CHART_SIZE.height * 2);
    }
  });

  it("draws text with the bundled font even where the system has no fonts", async () => {
    const svg = await renderChartSvg(scatterSpec(report).spec);
    expect(svg).toContain('font-family="DejaVu Sans');
    const inked = (text: string) => {
      const { pixels } = rasterizeSvg(
        `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="30"><text x="4" y="20" font-family="DejaVu Sans" font-size="16">${text}</text></svg>`,
        1,
      );
      let count = 0;
      for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) count++;
      return count;
    };
    expect(inked("")).toBe(0);
    expect(inked("Hello")).toBeGreaterThan(50);
  });
});
