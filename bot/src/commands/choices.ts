/**
 * @module
 * Autocomplete choices fetched from the edge: jobs, filter names (and `name@version`), datasets and
 * models, matched against what the user has typed so far. Discord shows at most 25.
 */
import { type DistilleryClient, DistilleryError, type JobKind } from "@distillery/shared";
import type { ApplicationCommandOptionChoiceData } from "discord.js";

const MAX_CHOICES = 25;

function matching(
  values: { name: string; value: string }[],
  typed: string,
): ApplicationCommandOptionChoiceData[] {
  const needle = typed.toLowerCase();
  return values
    .filter((v) => v.name.toLowerCase().includes(needle) || v.value.toLowerCase().includes(needle))
    .slice(0, MAX_CHOICES)
    .map((v) => ({ name: v.name.slice(0, 100), value: v.value }));
}

export async function jobChoices(edge: DistilleryClient, typed: string, kind?: JobKind) {
  const page = await edge.listJobs({ limit: 50, ...(kind ? { kind } : {}) });
  return matching(
    page.items.map((j) => ({ name: `${j.id} · ${j.kind} · ${j.state}`, value: j.id })),
    typed,
  );
}

/** Filter names, and each `name@version` so a user can pin a version. */
export async function filterChoices(edge: DistilleryClient, typed: string) {
  const filters = await edge.listFilters();
  return matching(
    filters.flatMap((f) => [
      { name: `${f.name} (latest: v${f.latest_version})`, value: f.name },
      ...f.versions.map((v) => ({ name: `${f.name}@${v}`, value: `${f.name}@${v}` })),
    ]),
    typed,
  );
}

/** Datasets, newest first; only the filter's when one is given. */
export async function datasetChoices(edge: DistilleryClient, typed: string, filter?: string | null) {
  const page = await edge.listDatasets({ limit: 50, ...(filter ? { filter } : {}) });
  return matching(
    page.items.map((d) => ({
      name: `${d.id} · ${d.filter} v${d.filter_version} · ${d.report.total} rows`,
      value: d.id,
    })),
    typed,
  );
}

/** Student models, newest first; only the filter's when one is given. */
export async function modelChoices(edge: DistilleryClient, typed: string, filter?: string | null) {
  const page = await edge.listModels({ limit: 50, ...(filter ? { filter } : {}) });
  return matching(
    page.items.map((m) => ({ name: `${m.id} · ${m.filter} v${m.filter_version} · ${m.kind}`, value: m.id })),
    typed,
  );
}

/** Splits `name@version` (version optional); a bad version is refused naming the `filter` option. */
export function parseFilterRef(value: string): { filter: string; filter_version?: number } {
  const [filter, version, ...rest] = value.trim().split("@");
  if (!filter || rest.length || (version !== undefined && !/^[1-9]\d*$/.test(version))) {
    throw new DistilleryError("bot.bad_option", `\`${value}\` is not a filter: give a name or name@version`, {
      details: [{ path: "filter", issue: "expected name or name@version, e.g. example-energy@2" }],
    });
  }
  return version ? { filter, filter_version: Number(version) } : { filter };
}
