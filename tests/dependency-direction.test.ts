/**
 * Dependencies point one way: `edge`, `gpu-node`, `bot` and `cli` import `@distillery/shared` (by its
 * package name) and nothing of one another; `shared` imports none of them. Biome's `noRestrictedImports`
 * (biome.json) reports a wrong-way import as you type; this test reads the sources and package manifests
 * itself, so the rule still holds if that configuration is edited. It also checks that each package
 * declares what it imports, in `package.json` and in its `tsconfig.json` references.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SHARED = "@distillery/shared";
const workspaces: string[] = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")).workspaces;
const SOURCE_FILE = /\.(c|m)?(t|j)sx?$/;

type Manifest = Partial<
  Record<"dependencies" | "devDependencies" | "peerDependencies", Record<string, string>>
>;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name.startsWith(".") || entry.name === "node_modules") return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return SOURCE_FILE.test(entry.name) && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

/** The `@distillery/<name>` a module specifier names, or null for anything else. */
function workspacePackage(specifier: string): string | null {
  return /^(@distillery\/[^/]+)/.exec(specifier)?.[1] ?? null;
}

/** Every module specifier in the sources of `packageDir`: imports, re-exports, `import()` and `require()`. */
function importsOf(packageDir: string): { file: string; specifier: string }[] {
  return sourceFiles(packageDir).flatMap((file) =>
    ts
      .preProcessFile(readFileSync(file, "utf8"), true, true)
      .importedFiles.map(({ fileName }) => ({ file, specifier: fileName })),
  );
}

/**
 * Every import in `packageDir` that breaks the rule: a `@distillery/*` package other than `allowed`, or a
 * relative path that leaves the package (shared too must be imported by name).
 */
function wrongWayImports(packageDir: string, allowed: string[]): string[] {
  return importsOf(packageDir)
    .filter(({ file, specifier }) => {
      const named = workspacePackage(specifier);
      const escapes =
        specifier.startsWith(".") && relative(packageDir, resolve(dirname(file), specifier)).startsWith("..");
      return (named !== null && !allowed.includes(named)) || escapes;
    })
    .map(({ file, specifier }) => `${relative(repoRoot, file)}: "${specifier}"`);
}

/** The other `@distillery/*` packages the sources of workspace `dir` import by name. */
function importedWorkspaces(dir: string): string[] {
  const names = new Set(importsOf(join(repoRoot, dir)).map(({ specifier }) => workspacePackage(specifier)));
  return [...names].filter((name): name is string => name !== null && name !== `@distillery/${dir}`).sort();
}

function declaredWorkspaces(dir: string): string[] {
  const manifest: Manifest = JSON.parse(readFileSync(join(repoRoot, dir, "package.json"), "utf8"));
  const names = [manifest.dependencies, manifest.devDependencies, manifest.peerDependencies].flatMap((deps) =>
    Object.keys(deps ?? {}),
  );
  return names.filter((name) => name.startsWith("@distillery/")).sort();
}

function referencedWorkspaces(dir: string): string[] {
  const tsconfig: { references?: { path: string }[] } = JSON.parse(
    readFileSync(join(repoRoot, dir, "tsconfig.json"), "utf8"),
  );
  return (tsconfig.references ?? []).map(({ path }) => `@distillery/${basename(path)}`).sort();
}

describe("dependency direction", () => {
  it("checks all five workspaces", () => {
    expect([...workspaces].sort()).toEqual(["bot", "cli", "edge", "gpu-node", "shared"]);
  });

  describe.each(workspaces)("%s", (dir) => {
    const allowed = dir === "shared" ? [] : [SHARED];

    it(dir === "shared" ? "imports no other package" : "imports only @distillery/shared, by name", () => {
      expect(wrongWayImports(join(repoRoot, dir), allowed)).toEqual([]);
    });

    it("declares the workspaces it imports in package.json and tsconfig.json references", () => {
      const imported = importedWorkspaces(dir);
      expect(declaredWorkspaces(dir)).toEqual(imported);
      expect(referencedWorkspaces(dir)).toEqual(imported);
    });
  });
});

describe("wrongWayImports", () => {
  const root = mkdtempSync(join(tmpdir(), "distillery-deps-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("finds a sibling imported by name, shared reached by a relative path, and a dynamic import", () => {
    mkdirSync(join(root, "edge", "src"), { recursive: true });
    writeFileSync(
      join(root, "edge", "src", "index.ts"),
      [
        'import { runPython } from "@distillery/shared/node";',
        'import { Agent } from "@distillery/gpu-node";',
        'export { parseOrThrow } from "../../shared/src/errors";',
        'const program = await import("@distillery/cli/src/program");',
        'import { local } from "./local";',
      ].join("\n"),
    );
    const wrong = wrongWayImports(join(root, "edge"), [SHARED]).map((line) => line.split(": ")[1]);
    expect(wrong).toEqual([
      '"@distillery/gpu-node"',
      '"../../shared/src/errors"',
      '"@distillery/cli/src/program"',
    ]);
  });
});
