/**
 * @module
 * Autocomplete choices fetched from the edge: jobs, filter names (and `name@version`), datasets and
 * models, matched against what the user has typed so far. Discord shows at most 25.
 */
import type { ApplicationCommandOptionChoiceData } from "discord.js";
import { EdgeCatalog, type EdgeClient } from "../edge/client";

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

export async function jobChoices(edge: EdgeClient, typed: string) {
  const page = await edge.listJobs({ limit: 50 });
  return matching(
    page.items.map((j) => ({ name: `${j.id} · ${j.kind} · ${j.state}`, value: j.id })),
    typed,
  );
}

/** Filter names, and each `name@version` so a user can pin a version. */
export async function filterChoices(edge: EdgeClient, typed: string) {
  const page = await edge.listFilters();
  return matching(
    page.items.flatMap((f) => [
      { name: `${f.name} (latest: v${f.latest_version})`, value: f.name },
      ...f.versions.map((v) => ({ name: `${f.name}@${v}`, value: `${f.name}@${v}` })),
    ]),
    typed,
  );
}

export async function datasetChoices(edge: EdgeClient, typed: string) {
  const page = await new EdgeCatalog(edge).listDatasets();
  return matching(
    page.items.map((d) => ({ name: `${d.id} · ${d.filter} v${d.filter_version}`, value: d.id })),
    typed,
  );
}

export async function modelChoices(edge: EdgeClient, typed: string) {
  const page = await new EdgeCatalog(edge).listModels();
  return matching(
    page.items.map((m) => ({ name: `${m.id} · ${m.filter} · ${m.base_model}`, value: m.id })),
    typed,
  );
}

/** Splits `name@version` (version optional). */
export function parseFilterRef(value: string): { filter: string; filter_version?: number } {
  const [filter, version] = value.split("@");
  return version ? { filter: filter!, filter_version: Number(version) } : { filter: filter! };
}
