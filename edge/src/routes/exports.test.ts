import { env } from "cloudflare:test";
import {
  auditEntrySchema,
  DISCORD_USER_HEADER,
  EXAMPLE_FILTER_YAML,
  EXAMPLE_PROMPT,
  jobSchema,
  labelRecordSchema,
  pageSchema,
} from "@distillery/shared";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { call, makeDataset, makeToken } from "../../test/helpers";

async function seedLabels(count: number): Promise<string[]> {
  const admin = await makeToken("admin");
  // Publishes version 1 the first time; later calls get a 409 and reuse it.
  await call("/v1/filters", {
    token: admin,
    json: { filter_yaml: EXAMPLE_FILTER_YAML, prompt_md: EXAMPLE_PROMPT },
  });
  const run = crypto.randomUUID();
  const articles = Array.from({ length: count }, (_, i) => ({
    url: `https://labels.example/${run}/${i}`,
    title: `Label, "quoted" ${i}`,
    body: `Body ${i}`,
    language: "en",
    source: "labels",
  }));
  const response = await call("/v1/articles/batch", { token: admin, json: { articles } });
  const ids = z
    .object({ results: z.array(z.object({ id: z.string() })) })
    .parse(await response.json())
    .results.map((r) => r.id);
  const statements = ids.map((id, i) =>
    env.DB.prepare(
      `INSERT INTO oracle_labels (article_id, filter, filter_version, prompt_hash, model, mode, scores, overall, tier)
       VALUES (?, 'example-energy', 1, 'h', 'gemini-2.5-flash', 'interactive', ?, ?, 'high')`,
    ).bind(
      id,
      JSON.stringify({
        deployment: { score: i % 10, reason: "r" },
        impact: { score: 5, reason: "r" },
        evidence: { score: 4, reason: "r" },
      }),
      i % 10,
    ),
  );
  await env.DB.batch(statements);
  return ids;
}

describe("/v1/exports/labels", () => {
  it("streams every label as self-contained NDJSON records, across pages", async () => {
    const ids = await seedLabels(620);
    const token = await makeToken("bot");
    const response = await call("/v1/exports/labels?filter=example-energy&version=1", { token });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("application/x-ndjson");
    const lines = (await response.text()).trim().split("\n");
    const records = lines.map((line) => labelRecordSchema.parse(JSON.parse(line)));
    const mine = records.filter((r) => ids.includes(r.article.id));
    expect(mine).toHaveLength(620);
    expect(new Set(mine.map((r) => r.article.id)).size).toBe(620);
    expect(mine[3]?.label.scores.deployment?.score).toBe(3);
  });

  it("streams CSV with one column per dimension and quoted fields", async () => {
    await seedLabels(3);
    const token = await makeToken("bot");
    const text = await (await call("/v1/exports/labels?filter=example-energy&format=csv", { token })).text();
    const [header, ...rows] = text.split("\n");
    expect(header).toContain("overall,tier");
    expect(header?.split(",")).toEqual(expect.arrayContaining(["deployment", "impact"]));
    expect(rows.some((row) => row.includes('"Label, ""quoted"" 0"'))).toBe(true);
  });

  it("has one source column, holding the article's source", async () => {
    await seedLabels(1);
    const token = await makeToken("bot");
    const text = await (await call("/v1/exports/labels?filter=example-energy&format=csv", { token })).text();
    const [header, row] = text.split("\n");
    const columns = header?.split(",") ?? [];
    expect(columns.filter((name) => name === "source")).toHaveLength(1);
    expect(row).toContain(",en,labels,1,gemini-2.5-flash,");
  });

  it("neutralises cells a spreadsheet would run as formulas", async () => {
    const titles = ['=HYPERLINK("http://evil.example","click")', "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rCR"];
    const ids = await seedLabels(titles.length);
    for (const [i, title] of titles.entries()) {
      await env.DB.prepare("UPDATE articles SET title = ? WHERE id = ?").bind(title, ids[i]).run();
    }
    const token = await makeToken("bot");
    const text = await (await call("/v1/exports/labels?filter=example-energy&format=csv", { token })).text();
    expect(text).toContain('"\'=HYPERLINK(""http://evil.example"",""click"")"');
    for (const cell of ['"\'+1+1"', '"\'-2+3"', '"\'@SUM(A1)"', '"\'\tTab"', '"\'\rCR"']) {
      expect(text).toContain(cell);
    }
    expect(text).not.toMatch(/(^|,)[=+\-@]/m);
  });

  it("answers 404 for an unknown filter", async () => {
    const token = await makeToken("bot");
    expect((await call("/v1/exports/labels?filter=nope", { token })).status).toBe(404);
  });
});

describe("/v1/exports/predictions", () => {
  it("keeps negative numbers numbers in CSV and neutralises formulas in text", async () => {
    await seedLabels(1);
    const job = `job_${crypto.randomUUID().replaceAll("-", "")}`;
    await env.DB.prepare(
      `INSERT INTO predictions (job_id, article_id, model_id, filter, filter_version, scores, categories, overall, tier)
       VALUES (?, 'art_negative', 'mdl_negative', 'example-energy', 1, ?, ?, -1.5, 'low')`,
    )
      .bind(
        job,
        JSON.stringify({ deployment: -2, impact: 0.5, evidence: 3 }),
        JSON.stringify({ content_type: "=cmd|' /C calc'!A0" }),
      )
      .run();
    const token = await makeToken("bot");
    const response = await call(`/v1/exports/predictions?job_id=${job}&format=csv`, { token });
    expect(response.status).toBe(200);
    const [header, row] = (await response.text()).split("\n");
    expect(header).toBe("article_id,model_id,overall,tier,deployment,impact,evidence,content_type");
    expect(row).toBe(`art_negative,mdl_negative,-1.5,low,-2,0.5,3,"'=cmd|' /C calc'!A0"`);
  });
});

describe("/v1/audit", () => {
  it("records who created and cancelled a job, with the Discord user behind a bot token", async () => {
    const bot = await makeToken("bot", "discord-bot");
    const headers = { [DISCORD_USER_HEADER]: "123456789" };
    const spec = { kind: "train", dataset_id: await makeDataset() };
    const created = await call("/v1/jobs", { token: bot, json: spec, headers });
    const job = jobSchema.parse(await created.json());
    await call(`/v1/jobs/${job.id}/cancel`, { token: bot, method: "POST", headers });
    const admin = await makeToken("admin");
    const page = pageSchema(auditEntrySchema).parse(
      await (await call(`/v1/audit?target_type=job&target_id=${job.id}`, { token: admin })).json(),
    );
    expect(page.items.map((e) => [e.action, e.actor, e.discord_user])).toEqual([
      ["job.cancel", "bot:discord-bot", "123456789"],
      ["job.create", "bot:discord-bot", "123456789"],
    ]);
    expect((await call("/v1/audit", { token: bot })).status).toBe(403);
  });
});
