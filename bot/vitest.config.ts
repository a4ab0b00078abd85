import { defineProject } from "vitest/config";

// Unit tests of the bot's pure parts; the end-to-end tests live in tests/bot-*.test.ts.
export default defineProject({
  test: { name: "bot", include: ["src/**/*.test.ts"] },
});
