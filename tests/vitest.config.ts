import { defineProject } from "vitest/config";

// Cross-package tests and the protocol stand-ins; they run in Node and start real servers.
export default defineProject({
  test: {
    name: "tests",
    environment: "node",
    include: ["**/*.test.ts"],
    testTimeout: 30_000,
  },
});
