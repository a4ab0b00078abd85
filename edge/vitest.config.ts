/**
 * @module
 * Edge tests run inside workerd (@cloudflare/vitest-plugin) with the real bindings of wrangler.jsonc
 * on local D1/R2/DO/Queues; the D1 migrations are applied in test/setup.ts. The HTTP test against
 * `wrangler dev` runs in Node with the CLI (cli/src/commands/import-articles.test.ts).
 */
import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineProject } from "vitest/config";

const migrationsDir = fileURLToPath(new URL("./migrations", import.meta.url));

export default defineProject({
  plugins: [
    cloudflareTest(async () => ({
      wrangler: { configPath: fileURLToPath(new URL("./wrangler.jsonc", import.meta.url)) },
      miniflare: {
        bindings: {
          TEST_MIGRATIONS: await readD1Migrations(migrationsDir),
          // The Gemini stand-in started by tests/standins/gemini/global-setup.ts; a high quota so tests never wait.
          GEMINI_BASE_URL: "http://127.0.0.1:8822",
          // The OpenAI-compatible stand-in started by tests/standins/openai/global-setup.ts.
          OPENAI_BASE_URL: "http://127.0.0.1:8825/v1",
          ORACLE_RPM: "6000",
          // The smallest parts R2 allows and small chunks, so tests cross both boundaries with little data.
          IMPORT_PART_BYTES: String(5 * 1024 * 1024),
          IMPORT_CHUNK_BYTES: "65536",
        },
      },
    })),
  ],
  test: {
    name: "edge",
    // One file at a time: every file talks to the same two stand-ins (fixed ports, started once by the
    // global setups) and sets their faults and score knobs for its own tests.
    fileParallelism: false,
    include: ["src/**/*.test.ts", "test/*.test.ts"],
    setupFiles: ["./test/setup.ts"],
    // The `openai` SDK is ~400 small modules; served one by one, the runner's bookkeeping for them
    // outgrew workerd's 1 MiB WebSocket message limit when a second test file started in the same
    // worker ("Message is too large"). Pre-bundled, it is one module.
    deps: { optimizer: { ssr: { enabled: true, include: ["openai"] } } },
    globalSetup: ["../tests/standins/gemini/global-setup.ts", "../tests/standins/openai/global-setup.ts"],
  },
});
