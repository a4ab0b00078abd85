/**
 * @module
 * Applies the D1 migrations before the tests of each file (the same SQL wrangler applies locally) and
 * registers the job kinds' hooks, as the worker entry does, for tests that call the jobs module directly.
 */
import { applyD1Migrations, env } from "cloudflare:test";
import "../src/kinds";

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
