/**
 * @module
 * `GET /v1/jobs/{id}/charts/{name}.png`: one chart of an eval job's report as PNG — scatter,
 * dimension-mae, tier-confusion or loss-curve — rendered in the worker from the shared chart specs
 * (`charts/render.ts`), so the API, the bot and the CLI show the same picture.
 */
import { EVAL_CHART_NAMES, evalChartSpecs, jobIdSchema } from "@distillery/shared";
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { requireRole } from "../auth/middleware";
import { chartPng } from "../charts/render";
import { loadEvalReport } from "../jobs/reports";
import { bearerSecurity, createRouter, errorResponses } from "./openapi";

export const chartsRouter = createRouter();

const fileSchema = z
  .string()
  .regex(
    new RegExp(`^(${EVAL_CHART_NAMES.join("|")})\\.png$`),
    `one of ${EVAL_CHART_NAMES.map((n) => `${n}.png`).join(", ")}`,
  );

chartsRouter.openapi(
  createRoute({
    method: "get",
    path: "/jobs/{id}/charts/{file}",
    tags: ["jobs"],
    summary: "A chart of an eval job's report as PNG (scatter, dimension-mae, tier-confusion, loss-curve)",
    security: bearerSecurity,
    middleware: [requireRole("bot", "submitter", "node")] as const,
    request: { params: z.object({ id: jobIdSchema, file: fileSchema }) },
    responses: {
      200: { description: "The chart (1280×800 PNG)", content: { "image/png": { schema: z.string() } } },
      ...errorResponses,
    },
  }),
  async (c) => {
    const { id, file } = c.req.valid("param");
    const report = await loadEvalReport(c.env, id);
    const chart = evalChartSpecs(report).find((spec) => `${spec.name}.png` === file)!;
    return new Response(await chartPng(chart), {
      headers: { "content-type": "image/png", "cache-control": "private, max-age=300" },
    });
  },
);
