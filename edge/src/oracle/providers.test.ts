/**
 * Oracle providers end to end inside workerd: a filter whose oracle is an OpenAI-compatible model
 * labels through the real queue and the official `openai` SDK against the OpenAI-compatible stand-in
 * (started in Node by the test project's global setup); labels are keyed by provider and model, so
 * another provider labels the same articles again while the same one never pays twice. Settings a
 * model refuses are refused at the API, and a thinking allowance counts against the budget cap.
 */
import { env } from "cloudflare:test";
import {
  EXAMPLE_FILTER_YAML,
  EXAMPLE_PROMPT,
  errorBodySchema,
  exampleFilter,
  parseFilterPackage,
} from "@distillery/shared";
import { describe, expect, it } from "vitest";
import {
  call,
  createOracleJob,
  makeToken,
  seedArticles,
  standinStats,
  storeFilter,
  untilJob,
} from "../../test/helpers";
import { database } from "../db/client";
import { oracleLabels } from "../db/schema";
import { OPENAI_STANDIN_BANNER } from "./openai";

const GEMINI = "http://127.0.0.1:8822";
const OPENAI = "http://127.0.0.1:8825";

/** The example filter with an `oracle` block appended to its filter.yaml, under another name. */
function filterWithOracle(name: string, oracleYaml: string) {
  return `${EXAMPLE_FILTER_YAML.replace("name: example-energy", `name: ${name}`)}\noracle:\n${oracleYaml}`;
}

const deepseek = parseFilterPackage({
  filterYaml: filterWithOracle("energy-deepseek", "  provider: openai\n  model: deepseek-chat\n"),
  promptMd: EXAMPLE_PROMPT,
});

async function labelsOf(ids: string[]) {
  const labels = await database(env.DB).select().from(oracleLabels).all();
  return labels.filter((label) => ids.includes(label.article_id));
}

async function refusal(response: Response) {
  expect(response.status).toBe(400);
  return errorBodySchema.parse(await response.json()).error;
}

describe("oracle providers", () => {
  it("labels with an OpenAI-compatible model; another provider labels again, the same one never twice", async () => {
    const bot = await makeToken("bot");
    await storeFilter(deepseek);
    const ids = await seedArticles(3);
    const openaiBefore = await standinStats(OPENAI);
    const job = await createOracleJob(bot, deepseek.name, { selection: { type: "ids", ids }, budget_usd: 5 });
    const done = await untilJob(bot, job.id, ["succeeded", "failed"]);
    expect(done.result).toMatchObject({ labelled: 3, failed: 0, banner: OPENAI_STANDIN_BANNER });
    const labels = await labelsOf(ids);
    expect(labels).toHaveLength(3);
    for (const label of labels) {
      expect(label).toMatchObject({ provider: "openai", model: "deepseek-chat", job_id: job.id });
      expect(label.cost_usd).toBeGreaterThan(0);
    }
    const openaiAfter = await standinStats(OPENAI);
    expect(openaiAfter.double_calls).toBe(openaiBefore.double_calls);

    const geminiBefore = await standinStats(GEMINI);
    const gemini = await createOracleJob(bot, deepseek.name, {
      selection: { type: "ids", ids },
      budget_usd: 5,
      provider: "gemini",
      model: "gemini-2.5-flash",
    });
    const geminiDone = await untilJob(bot, gemini.id, ["succeeded", "failed"]);
    expect(geminiDone.result).toMatchObject({ labelled: 3, skipped: 0 });
    expect((await standinStats(GEMINI)).calls - geminiBefore.calls).toBe(3);
    const both = await labelsOf(ids);
    expect(both.filter((label) => label.provider === "gemini")).toHaveLength(3);

    const rerun = await createOracleJob(bot, deepseek.name, {
      selection: { type: "ids", ids },
      budget_usd: 5,
    });
    const rerunDone = await untilJob(bot, rerun.id, ["succeeded", "failed"]);
    expect(rerunDone.result).toMatchObject({ labelled: 0, skipped: 3 });
    expect((await standinStats(OPENAI)).calls).toBe(openaiAfter.calls);
  });

  it("refuses a job override the model cannot take, naming the field", async () => {
    const bot = await makeToken("bot");
    const filter = exampleFilter();
    await storeFilter(filter);
    const ids = await seedArticles(1);
    const spec = { kind: "oracle", filter: filter.name, selection: { type: "ids", ids }, budget_usd: 1 };

    const noModel = await refusal(
      await call("/v1/jobs", { token: bot, json: { ...spec, provider: "openai" } }),
    );
    expect(noModel.code).toBe("oracle.invalid_setting");
    expect(noModel.details.map((detail) => detail.path)).toContain("model");

    const level = await refusal(await call("/v1/jobs", { token: bot, json: { ...spec, thinking: "high" } }));
    expect(level.code).toBe("oracle.invalid_setting");
    expect(level.details.map((detail) => detail.path)).toContain("thinking");
  });

  it("refuses a filter whose model cannot take its thinking setting, naming oracle.thinking", async () => {
    const admin = await makeToken("admin");
    const filter_yaml = filterWithOracle(
      "energy-pro-no-thinking",
      "  model: gemini-2.5-pro\n  thinking: 0\n",
    );
    const error = await refusal(
      await call("/v1/filters", { token: admin, json: { filter_yaml, prompt_md: EXAMPLE_PROMPT } }),
    );
    expect(error.code).toBe("filter.invalid");
    expect(error.details.some((detail) => detail.path.includes("oracle.thinking"))).toBe(true);
    expect(JSON.stringify(error.details)).toContain("cannot turn thinking off");
  });

  it("counts thinking against the budget cap: a cap that fits the answer but not the thinking pauses", async () => {
    const bot = await makeToken("bot");
    await storeFilter(deepseek);
    const ids = await seedArticles(1);
    const reasoning = { selection: { type: "ids", ids }, model: "gpt-5-mini", thinking: "low" };
    const dry = await createOracleJob(bot, deepseek.name, { ...reasoning, budget_usd: 1, dry_run: true });
    const estimate = (await untilJob(bot, dry.id, ["succeeded"])).result?.estimate as {
      usd: number;
      thinking_tokens: number;
    };
    // gpt-5-mini bills output (thinking included) at $2 per million tokens.
    const answerOnly = estimate.usd - (estimate.thinking_tokens * 2) / 1e6;
    expect(estimate.thinking_tokens).toBeGreaterThan(0);
    const cap = (answerOnly + estimate.usd) / 2;

    const job = await createOracleJob(bot, deepseek.name, { ...reasoning, budget_usd: cap });
    const paused = await untilJob(bot, job.id, ["paused", "succeeded", "failed"]);
    expect(paused.state).toBe("paused");
    expect(String(paused.result?.paused_reason)).toMatch(/budget cap/);

    const raised = await call(`/v1/jobs/${job.id}`, { token: bot, method: "PATCH", json: { budget_usd: 1 } });
    expect(raised.status).toBe(200);
    const done = await untilJob(bot, job.id, ["succeeded", "failed"]);
    const result = done.result as {
      labelled: number;
      spent_usd: number;
      output_tokens: number;
      thinking_tokens: number;
    };
    expect(result.labelled).toBe(1);
    expect(result.thinking_tokens).toBeGreaterThanOrEqual(400);
    expect(result.output_tokens).toBeGreaterThan(result.thinking_tokens);
    const [label] = await labelsOf(ids);
    expect(label).toMatchObject({ provider: "openai", model: "gpt-5-mini" });
    expect(label!.tokens_thinking).toBe(result.thinking_tokens);
    // What was spent includes the thinking at the output price.
    expect(result.spent_usd).toBeGreaterThan((result.thinking_tokens * 2) / 1e6);
  });
});
