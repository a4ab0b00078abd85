import { existsSync } from "node:fs";
import { relative } from "node:path";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

// Each package has its own vitest.config.ts (edge runs inside workerd, the rest in Node).
const packages = ["shared", "cli", "gpu-node", "bot", "edge", "tests", "bench"];

/**
 * The files that take minutes (a Python training, `wrangler dev` started and stopped), measured on
 * the 2-core machine: started first, so none of them is left running alone at the end. A file not
 * listed keeps Vitest's own order after these.
 */
const SLOW_FIRST = [
  "tests/e2e.test.ts",
  "cli/src/commands/distill.test.ts",
  "tests/real-package-report.test.ts",
  "tests/node-flow.test.ts",
  "tests/bot-flow.test.ts",
  "tests/start-stop.test.ts",
  "cli/src/commands/tokens.test.ts",
  "cli/src/commands/import-articles.test.ts",
  "tests/cli-bakeoff.test.ts",
  "tests/bot-commands.test.ts",
];

class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (file: TestSpecification) => {
      const index = SLOW_FIRST.indexOf(relative(import.meta.dirname, file.moduleId));
      return index === -1 ? SLOW_FIRST.length : index;
    };
    return sorted
      .map((file, order) => ({ file, order }))
      .sort((a, b) => rank(a.file) - rank(b.file) || a.order - b.order)
      .map(({ file }) => file);
  }
}

export default defineConfig({
  test: {
    projects: packages.map((dir) => `${dir}/vitest.config.ts`).filter((path) => existsSync(path)),
    sequence: { sequencer: SlowFirstSequencer },
  },
});
