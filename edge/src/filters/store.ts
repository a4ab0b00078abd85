/**
 * @module
 * Filter versions in D1. A version is created from the two files a user wrote (validated by the
 * shared engine, `parseFilterPackage`) and never changes afterwards: labels and models point at
 * (name, version). A new version must be exactly the latest + 1, so two people cannot both publish
 * "v3" and a typo cannot skip numbers.
 */
import {
  DistilleryError,
  type FilterPackage,
  type FilterRecord,
  type FilterSource,
  type FilterSummary,
  parseFilterPackage,
  promptHash,
} from "@distillery/shared";
import { and, asc, desc, eq } from "drizzle-orm";
import type { AuthContext } from "../auth/tokens";
import { database, nowIso } from "../db/client";
import { filters } from "../db/schema";
import type { Env } from "../env";

type FilterRow = typeof filters.$inferSelect;

function recordFromRow(row: FilterRow): FilterRecord {
  return {
    name: row.name,
    version: row.version,
    description: row.description,
    prompt_hash: row.prompt_hash,
    package: row.package as FilterPackage,
    created_by: row.created_by,
    created_at: row.created_at,
  };
}

/**
 * The one filter loader: the stored version (latest when `version` is omitted), or 404
 * `filter.not_found`. Routes, the oracle stage and the node hub all read filters through it.
 * @example
 * const { package: filter } = await getFilterRecord(env, "climate-policy", 2);
 */
export async function getFilterRecord(env: Env, name: string, version?: number): Promise<FilterRecord> {
  const row = await database(env.DB)
    .select()
    .from(filters)
    .where(version ? and(eq(filters.name, name), eq(filters.version, version)) : eq(filters.name, name))
    .orderBy(desc(filters.version))
    .get();
  if (!row) {
    throw new DistilleryError(
      "filter.not_found",
      `no filter '${name}'${version ? ` version ${version}` : ""}`,
      {
        status: 404,
        details: [{ path: "filter", issue: "not found" }],
      },
    );
  }
  return recordFromRow(row);
}

/** The stored filter package (latest version unless one is named): `getFilterRecord`'s package. */
export async function loadFilter(env: Env, name: string, version?: number): Promise<FilterPackage> {
  return (await getFilterRecord(env, name, version)).package;
}

/** Every filter name with its versions, alphabetically. */
export async function listFilterSummaries(env: Env): Promise<FilterSummary[]> {
  const rows = await database(env.DB)
    .select({ name: filters.name, version: filters.version, description: filters.description })
    .from(filters)
    .orderBy(asc(filters.name), asc(filters.version))
    .all();
  const byName = new Map<string, FilterSummary>();
  for (const row of rows) {
    const summary = byName.get(row.name);
    if (summary) {
      summary.versions.push(row.version);
      summary.latest_version = row.version;
      summary.description = row.description;
    } else {
      byName.set(row.name, {
        name: row.name,
        latest_version: row.version,
        versions: [row.version],
        description: row.description,
      });
    }
  }
  return [...byName.values()];
}

/** Validates the files and stores them as the next version of the filter they name. */
export async function createFilterVersion(
  env: Env,
  source: FilterSource,
  auth: AuthContext,
): Promise<FilterRecord> {
  const filter = parseFilterPackage({ filterYaml: source.filter_yaml, promptMd: source.prompt_md });
  const db = database(env.DB);
  const latest = await db
    .select({ version: filters.version })
    .from(filters)
    .where(eq(filters.name, filter.name))
    .orderBy(desc(filters.version))
    .get();
  const expected = (latest?.version ?? 0) + 1;
  if (filter.version !== expected) {
    throw new DistilleryError(
      "filter.version_conflict",
      latest
        ? `'${filter.name}' is at version ${latest.version}; a new version must be ${expected} (found ${filter.version})`
        : `'${filter.name}' is new; its first version must be 1 (found ${filter.version})`,
      { status: 409, details: [{ path: "filter.yaml.version", issue: `expected ${expected}` }] },
    );
  }
  const row = await db
    .insert(filters)
    .values({
      name: filter.name,
      version: filter.version,
      package: filter,
      prompt_hash: await promptHash(filter),
      description: filter.description,
      created_by: `${auth.role}:${auth.name}`,
      created_at: nowIso(),
    })
    .onConflictDoNothing()
    .returning()
    .get();
  if (!row) {
    throw new DistilleryError(
      "filter.version_conflict",
      `version ${filter.version} of '${filter.name}' was just created by someone else; fetch it and retry`,
      { status: 409, details: [{ path: "filter.yaml.version", issue: "already exists" }] },
    );
  }
  return recordFromRow(row);
}
