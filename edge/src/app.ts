/**
 * @module
 * Builds the Hono app: error mapping (the one place), the OpenAPI document, and one router per
 * endpoint area mounted under `/v1`. To add an area: write `routes/<area>.ts` exporting a router made
 * with `createRouter()` and add it to `ROUTERS` below.
 */

import { DistilleryError } from "@distillery/shared";
import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./env";
import { handleError } from "./errors";
import "./kinds";
import { articlesRouter } from "./routes/articles";
import { auditRouter } from "./routes/audit";
import { chartsRouter } from "./routes/charts";
import { datasetsRouter } from "./routes/datasets";
import { eventsRouter } from "./routes/events";
import { exportLinksRouter } from "./routes/export-links";
import { exportsRouter } from "./routes/exports";
import { filterHealthRouter } from "./routes/filter-health";
import { filtersRouter } from "./routes/filters";
import { healthRouter } from "./routes/health";
import { importsRouter } from "./routes/imports";
import { jobsRouter } from "./routes/jobs";
import { modelsRouter } from "./routes/models";
import { nodesRouter } from "./routes/nodes";
import { oracleRouter } from "./routes/oracle";
import { promotionRouter } from "./routes/promotion";
import { tokensRouter } from "./routes/tokens";
import { webhooksRouter } from "./routes/webhooks";

const ROUTERS = [
  healthRouter,
  tokensRouter,
  articlesRouter,
  importsRouter,
  filtersRouter,
  filterHealthRouter,
  jobsRouter,
  webhooksRouter,
  exportsRouter,
  auditRouter,
  eventsRouter,
  nodesRouter,
  oracleRouter,
  datasetsRouter,
  modelsRouter,
  exportLinksRouter,
  chartsRouter,
  promotionRouter,
];

export function createApp() {
  const app = new OpenAPIHono<AppEnv>();
  app.onError(handleError);
  app.notFound((c) => {
    throw new DistilleryError("route.not_found", `no route ${c.req.method} ${c.req.path}`, { status: 404 });
  });
  for (const router of ROUTERS) app.route("/v1", router);
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "A Distillery API token (`npx distillery tokens create --role ...`)",
  });
  app.doc31("/v1/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Distillery edge API",
      version: "1.0.0",
      description:
        "Articles, filters, jobs, exports and events. Errors: `{ error: { code, message, details } }`.",
    },
  });
  return app;
}
