/**
 * @module
 * Seeds a fresh local stack through the ordinary API (what a user could do with curl): every
 * built-in filter version the edge does not have yet, and the bundled sample corpus. Both are
 * idempotent: a second start finds the filters there and the articles deduplicated by URL + content.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { DistilleryClient } from "@distillery/shared";
import { builtinFiltersDir } from "@distillery/shared/node";
import { generateSampleCorpus } from "../sample/corpus";

export type SeedSummary = {
  filtersCreated: string[];
  filtersPresent: number;
  articlesCreated: number;
  articlesTotal: number;
};

const BATCH = 500;

/** Creates the built-in filter versions the edge lacks. */
export async function seedBuiltinFilters(
  client: DistilleryClient,
): Promise<{ created: string[]; present: number }> {
  const existing = new Set(
    (await client.listFilters()).flatMap((f) => f.versions.map((v) => `${f.name}@${v}`)),
  );
  const created: string[] = [];
  let present = 0;
  for (const name of (await readdir(builtinFiltersDir)).sort()) {
    const versions = (await readdir(join(builtinFiltersDir, name))).filter((v) => /^v\d+$/.test(v));
    versions.sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
    for (const version of versions) {
      if (existing.has(`${name}@${version.slice(1)}`)) {
        present++;
        continue;
      }
      const dir = join(builtinFiltersDir, name, version);
      await client.createFilterVersion({
        filter_yaml: await readFile(join(dir, "filter.yaml"), "utf8"),
        prompt_md: await readFile(join(dir, "prompt.md"), "utf8"),
      });
      created.push(`${name}@${version.slice(1)}`);
    }
  }
  return { created, present };
}

/** Submits the sample corpus in batches; returns how many articles were new. */
export async function seedSampleCorpus(
  client: DistilleryClient,
  count = 400,
): Promise<{ created: number; total: number }> {
  const articles = generateSampleCorpus({ count });
  let created = 0;
  for (let i = 0; i < articles.length; i += BATCH) {
    const result = await client.submitArticles(articles.slice(i, i + BATCH));
    created += result.created;
  }
  return { created, total: articles.length };
}

export async function seedStack(client: DistilleryClient): Promise<SeedSummary> {
  const filters = await seedBuiltinFilters(client);
  const corpus = await seedSampleCorpus(client);
  return {
    filtersCreated: filters.created,
    filtersPresent: filters.present,
    articlesCreated: corpus.created,
    articlesTotal: corpus.total,
  };
}
