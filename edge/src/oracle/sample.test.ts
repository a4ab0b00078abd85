/**
 * Oracle jobs over a `sample` selection: N articles that pass the prefilter, with the articles the
 * walk passed over accounted for as blocked. Its own file so its database holds only these articles.
 */
import { env } from "cloudflare:test";
import { exampleFilter, jobSchema, promptHash } from "@distillery/shared";
import { describe, expect, it } from "vitest";
import { call, makeToken } from "../../test/helpers";
import { database, newId } from "../db/client";
import { articles, filters } from "../db/schema";

const filter = exampleFilter();

async function article(body: string) {
  const id = newId("art");
  await database(env.DB)
    .insert(articles)
    .values({
      id,
      url: `https://example.org/${id}`,
      normalized_url: `example.org/${id}`,
      content_hash: id,
      title: "News",
      body,
      body_chars: body.length,
      language: "en",
      source: "example",
    })
    .run();
  return id;
}

async function run(token: string, count: number, dryRun: boolean) {
  const response = await call("/v1/jobs", {
    token,
    json: {
      kind: "oracle",
      filter: filter.name,
      selection: { type: "sample", count },
      budget_usd: 1,
      dry_run: dryRun,
    },
  });
  expect(response.status).toBe(201);
  const { id } = jobSchema.parse(await response.json());
  for (let i = 0; i < 150; i++) {
    const job = jobSchema.parse(await (await call(`/v1/jobs/${id}`, { token })).json());
    if (job.state === "succeeded" || job.state === "failed") return job;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`job ${id} did not finish`);
}

describe("sample selection", () => {
  it("labels N articles that pass the prefilter and counts the blocked ones it walked past", async () => {
    await database(env.DB)
      .insert(filters)
      .values({
        name: filter.name,
        version: filter.version,
        package: filter,
        prompt_hash: await promptHash(filter),
        description: filter.description,
        created_by: "test",
      })
      .run();
    const passing = [];
    for (let i = 0; i < 3; i++)
      passing.push(await article(`A solar farm number ${i} opened and feeds the grid today.`));
    for (let i = 0; i < 2; i++) await article(`The football match number ${i} ended with a late goal today.`);
    const token = await makeToken("bot");

    const dry = await run(token, 2, true);
    const estimate = dry.result?.estimate as {
      selected: number;
      blocked_by_prefilter: number;
      to_label: number;
    };
    expect(estimate.to_label).toBe(2);
    expect(estimate.selected - estimate.blocked_by_prefilter).toBe(2);

    const all = await run(token, 10, false);
    expect(all.state).toBe("succeeded");
    expect(all.result).toMatchObject({
      estimate: { selected: 5, blocked_by_prefilter: 2, to_label: 3 },
      labelled: 3,
      blocked_by_prefilter: 2,
      skipped_by_reason: { "prefilter:exclude_keyword": 2 },
    });
  });
});
