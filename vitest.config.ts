import { existsSync } from "node:fs";
import { defineConfig } from "vitest/config";

// Each package has its own vitest.config.ts (edge runs inside workerd, the rest in Node).
const packages = ["shared", "cli", "gpu-node", "bot", "edge", "tests", "bench"];

export default defineConfig({
  test: {
    projects: packages.map((dir) => `${dir}/vitest.config.ts`).filter((path) => existsSync(path)),
  },
});
