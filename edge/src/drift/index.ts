/**
 * @module
 * The drift audit (docs/filter-format.md, `audit`): once per period the oracle labels a sample of what
 * the promoted model scored, and the figures (`filter_health`, `GET /v1/filters/{name}/health`) say
 * whether the model still keeps its eval's promises. The minute cron calls `runDriftAudits`: it first
 * ends audits whose oracle job is done, then starts the ones that are due.
 */
import type { Env } from "../env";
import { type DriftAlertPublisher, publishDriftAlert } from "./alert";
import { settleRunningAudits } from "./settle";
import { startDueAudits } from "./start";

export { startAudit } from "./start";

export async function runDriftAudits(
  env: Env,
  publish: DriftAlertPublisher = publishDriftAlert,
): Promise<void> {
  await settleRunningAudits(env, publish);
  await startDueAudits(env);
}
