/**
 * Batch Mode through OpenAI's Batch API, inside workerd: with OPENAI_BATCH=true (set before the worker
 * first reads its configuration) a `provider: openai` job's articles go as one JSONL file through the
 * real `openai` SDK to the OpenAI-compatible stand-in (port 8825, started by the project's global
 * setup), and the cron's `pollBatches` reads the output file back into labels at the batch price.
 * With OPENAI_BATCH=false (a separate env object, so its configuration is read afresh) the job is
 * refused before anything is sent.
 */
import { env } from "cloudflare:test";
import {
  DistilleryError,
  EXAMPLE_FILTER_YAML,
  EXAMPLE_PROMPT,
  jobSchema,
  jobSpecSchema,
  parseFilterPackage,
} from "@distillery/shared";
import { beforeAll, describe, expect, it } from "vitest";
import { call, makeToken, seedArticles, standinStats, storeFilter, untilSubmitted } from "../../test/helpers";
import type { Env } from "../env";
import { pollBatches } from "./batch";
import { oracleSettings } from "./config";
import { costUsd, priceFor } from "./cost";
import { oracleJobHooks } from "./jobs";

const OPENAI = "http://127.0.0.1:8825";
const ARTICLES = 10;

const vars = env as unknown as Record<string, string>;
vars.OPENAI_BATCH = "true";

const filter = parseFilterPackage({
  filterYaml: `${EXAMPLE_FILTER_YAML.replace("name: example-energy", "name: energy-openai-batch")}\noracle:\n  provider: openai\n  model: gpt-4o-mini\n`,
  promptMd: EXAMPLE_PROMPT,
});

describe("Batch Mode through OpenAI's Batch API", () => {
  beforeAll(async () => {
    await fetch(`${OPENAI}/__standin/config`, {
      method: "POST",
      body: JSON.stringify({ faultRate: 0, script: [] }),
    });
    await storeFilter(filter);
  });

  it("labels a provider-openai job through one batch, once each, at the batch price", async () => {
    const bot = await makeToken("bot");
    const ids = await seedArticles(ARTICLES);
    const before = await standinStats(OPENAI);
    const created = await call("/v1/jobs", {
      token: bot,
      json: {
        kind: "oracle",
        filter: filter.name,
        selection: { type: "ids", ids },
        budget_usd: 5,
        mode: "batch",
      },
    });
    expect(created.status).toBe(201);
    const { id } = jobSchema.parse(await created.json());
    await untilSubmitted(id, ARTICLES);
    const { results: batches } = await env.DB.prepare("SELECT name FROM oracle_batches WHERE job_id = ?1")
      .bind(id)
      .all<{ name: string }>();
    expect(batches).toHaveLength(1);
    expect(batches[0]?.name).toMatch(/^batch_/);

    let finished = 0;
    for (let i = 0; i < 10 && finished < 1; i++) finished += await pollBatches(env);
    expect(finished).toBe(1);
    expect(await pollBatches(env)).toBe(0);

    const done = jobSchema.parse(await (await call(`/v1/jobs/${id}`, { token: bot })).json());
    expect(done.state).toBe("succeeded");
    expect(done.result).toMatchObject({ labelled: ARTICLES, failed: 0 });
    const after = await standinStats(OPENAI);
    expect(after.calls - before.calls).toBe(ARTICLES);
    expect(after.double_calls).toBe(before.double_calls);

    const { results: labels } = await env.DB.prepare(
      "SELECT provider, model, mode, cost_usd, tokens_input, tokens_cached, tokens_output FROM oracle_labels WHERE job_id = ?1",
    )
      .bind(id)
      .all<{
        provider: string;
        model: string;
        mode: string;
        cost_usd: number;
        tokens_input: number;
        tokens_cached: number;
        tokens_output: number;
      }>();
    expect(labels).toHaveLength(ARTICLES);
    const price = priceFor(oracleSettings(env).prices, "gpt-4o-mini");
    for (const label of labels) {
      expect(label).toMatchObject({ provider: "openai", model: "gpt-4o-mini", mode: "batch" });
      const tokens = {
        input: label.tokens_input,
        cached: label.tokens_cached,
        output: label.tokens_output,
        thinking: 0,
      };
      expect(label.tokens_input).toBeGreaterThan(0);
      expect(label.cost_usd).toBeCloseTo(costUsd(price, tokens, "batch"), 12);
      expect(label.cost_usd).toBeLessThan(costUsd(price, tokens, "interactive"));
    }
  });

  it("refuses a provider-openai batch job while OPENAI_BATCH is false, saying how to allow it", async () => {
    const ids = await seedArticles(1);
    const spec = jobSpecSchema.parse({
      kind: "oracle",
      filter: filter.name,
      selection: { type: "ids", ids },
      budget_usd: 1,
      mode: "batch",
    });
    const off = { ...env, OPENAI_BATCH: "false" } as unknown as Env;
    const refused = await Promise.resolve(oracleJobHooks.validate?.(off, spec)).then(
      () => new Error("expected a refusal"),
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(DistilleryError);
    expect((refused as DistilleryError).code).toBe("oracle.batch_unsupported");
    expect((refused as DistilleryError).message).toContain("OPENAI_BATCH=true");
  });
});
