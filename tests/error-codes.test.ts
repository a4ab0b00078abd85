/**
 * Every error code the edge or the shared library can produce is in the registry that `docs/api.md`
 * renders, and every registered code is still produced somewhere: the list can neither miss a code nor
 * keep a dead one. Codes are found in the source, where they are written as literals.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { ERROR_CODES, isRegisteredErrorCode } from "@distillery/shared";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith(".ts") && !path.endsWith(".test.ts") && !path.endsWith(".d.ts") ? [path] : [];
  });
}

const CODE = String.raw`[a-z_][a-z0-9_]*(?:\.[a-z0-9_]+)+`;
const PATTERNS = [
  new RegExp(String.raw`DistilleryError\(\s*["'\`](${CODE})["'\`]`, "g"),
  new RegExp(String.raw`parseOrThrow\([^;]*?"(${CODE})"`, "gs"),
  // Failures recorded on jobs and articles are plain objects with a `code`.
  new RegExp(String.raw`\bcode:\s*"(${CODE})"`, "g"),
];

/** code → files that produce it. */
function producedCodes(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of [
    ...sourceFiles(join(root, "edge", "src")),
    ...sourceFiles(join(root, "shared", "src")),
  ]) {
    const text = readFileSync(file, "utf8");
    const codes = PATTERNS.flatMap((pattern) =>
      [...text.matchAll(pattern)].map((match) => match[1] as string),
    );
    for (const match of text.matchAll(/notFound\(\s*"([a-z_]+)"/g)) codes.push(`${match[1]}.not_found`);
    for (const code of codes) found.set(code, [...(found.get(code) ?? []), relative(root, file)]);
  }
  return found;
}

// The shared filter engine's prefilter reasons use the same `a.b` shape but are drop reasons, not errors.
const NOT_ERRORS = /^(source|language|length|include|exclude)\./;

describe("error codes", () => {
  const produced = producedCodes();

  it("registers every code the source produces", () => {
    const missing = [...produced].filter(([code]) => !NOT_ERRORS.test(code) && !isRegisteredErrorCode(code));
    expect(missing, "add these to shared/src/error-codes.ts, then npm run -w shared docs:errors").toEqual([]);
  });

  it("produces every registered code (no dead entries)", () => {
    // `http.<status>` is a pattern; `internal` has no dot, so the literal scan does not see it (errors.ts).
    const dynamic = new Set(["http.<status>", "internal"]);
    const dead = Object.keys(ERROR_CODES).filter((code) => !dynamic.has(code) && !produced.has(code));
    expect(dead).toEqual([]);
  });
});
