import {
  EXAMPLE_FILTER_YAML,
  EXAMPLE_PROMPT,
  errorBodySchema,
  filterDryRunResultSchema,
  filterRecordSchema,
  filterSummarySchema,
} from "@distillery/shared";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { call, makeToken } from "../../test/helpers";

const source = { filter_yaml: EXAMPLE_FILTER_YAML, prompt_md: EXAMPLE_PROMPT };
const v2 = { ...source, filter_yaml: EXAMPLE_FILTER_YAML.replace("version: 1", "version: 2") };

describe("/v1/filters", () => {
  it("publishes versions in order and lists and reads them", async () => {
    const admin = await makeToken("admin");
    const first = await call("/v1/filters", { token: admin, json: source });
    expect(first.status).toBe(201);
    const record = filterRecordSchema.parse(await first.json());
    expect(record).toMatchObject({ name: "example-energy", version: 1 });
    expect(record.prompt_hash).toMatch(/^[0-9a-f]{64}$/);

    const again = await call("/v1/filters", { token: admin, json: source });
    expect(again.status).toBe(409);
    expect(errorBodySchema.parse(await again.json()).error.message).toContain("must be 2");
    expect((await call("/v1/filters", { token: admin, json: v2 })).status).toBe(201);

    const bot = await makeToken("bot");
    const list = z
      .object({ items: z.array(filterSummarySchema) })
      .parse(await (await call("/v1/filters", { token: bot })).json());
    expect(list.items).toEqual([
      expect.objectContaining({ name: "example-energy", latest_version: 2, versions: [1, 2] }),
    ]);
    const latest = filterRecordSchema.parse(
      await (await call("/v1/filters/example-energy", { token: bot })).json(),
    );
    expect(latest.version).toBe(2);
    const old = await call("/v1/filters/example-energy/versions/1", { token: bot });
    expect(filterRecordSchema.parse(await old.json()).version).toBe(1);
    expect((await call("/v1/filters/example-energy/versions/9", { token: bot })).status).toBe(404);
  });

  it("refuses an invalid package, naming the file and field", async () => {
    const admin = await makeToken("admin");
    const broken = { ...source, filter_yaml: EXAMPLE_FILTER_YAML.replace("weight: 0.5", "weight: 0.4") };
    const response = await call("/v1/filters", { token: admin, json: broken });
    expect(response.status).toBe(400);
    const body = errorBodySchema.parse(await response.json());
    expect(body.error.code).toBe("filter.invalid");
    expect(body.error.details.some((d) => d.path.includes("dimensions"))).toBe(true);
  });

  it("refuses a YAML alias bomb and absurd nesting as filter.invalid", async () => {
    const admin = await makeToken("admin");
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let level = 1; level < 9; level++) {
      const previous = String.fromCharCode(96 + level);
      levels.push(
        `${String.fromCharCode(97 + level)}: &${String.fromCharCode(97 + level)} [${`*${previous}, `.repeat(9)}*${previous}]`,
      );
    }
    const bomb = `${EXAMPLE_FILTER_YAML}\n${levels.join("\n")}\n`;
    const deep = `${EXAMPLE_FILTER_YAML}\nextra: ${"[".repeat(90_000)}${"]".repeat(90_000)}\n`;
    for (const filter_yaml of [bomb, deep]) {
      const response = await call("/v1/filters", { token: admin, json: { ...source, filter_yaml } });
      expect(response.status).toBe(400);
      const error = errorBodySchema.parse(await response.json()).error;
      expect(error.code).toBe("filter.invalid");
      expect(error.details[0]?.path).toMatch(/^filter\.yaml/);
    }
  });

  it("only lets an admin publish", async () => {
    const bot = await makeToken("bot");
    expect((await call("/v1/filters", { token: bot, json: source })).status).toBe(403);
  });

  it("dry-runs on inline text and on a stored article", async () => {
    const admin = await makeToken("admin");
    await call("/v1/filters", { token: admin, json: source });
    const text = {
      title: "Offshore wind farm starts delivering power",
      body: "The 1.2 GW offshore wind farm began commercial operation this week, supplying a million homes with electricity.",
      language: "en",
      source: "energy-news",
    };
    const inline = await call("/v1/filters/example-energy/dry-run", {
      token: admin,
      json: { article: text },
    });
    expect(inline.status).toBe(200);
    const result = filterDryRunResultSchema.parse(await inline.json());
    expect(result.prompt.text.startsWith(result.prompt.prefix)).toBe(true);
    expect(result.prompt.article).toContain(text.title);
    expect(typeof result.prefilter.pass).toBe("boolean");

    const submitter = await makeToken("submitter");
    const denied = { ...text, source: "spam-daily", url: "https://spam.example/1" };
    const stored = await call("/v1/articles", { token: submitter, json: denied });
    const { id } = z.object({ id: z.string() }).parse(await stored.json());
    const byId = filterDryRunResultSchema.parse(
      await (
        await call("/v1/filters/example-energy/dry-run", { token: submitter, json: { article_id: id } })
      ).json(),
    );
    expect(byId.prefilter).toMatchObject({ pass: false });
    expect(byId.prefilter.rule).toContain("source");

    const neither = await call("/v1/filters/example-energy/dry-run", { token: submitter, json: {} });
    expect(neither.status).toBe(400);
  });
});
