import { exampleFilter, jobSchema } from "@distillery/shared";
import { describe, expect, it } from "vitest";
import { call, makeToken, storeArticle, storeFilter } from "../../test/helpers";

const filter = exampleFilter();

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
    await storeFilter(filter);
    const passing = [];
    for (let i = 0; i < 3; i++)
      passing.push(await storeArticle("News", `A solar farm number ${i} opened and feeds the grid today.`));
    for (let i = 0; i < 2; i++)
      await storeArticle("News", `The football match number ${i} ended with a late goal today.`);
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
