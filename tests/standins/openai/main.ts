/**
 * @module
 * Command line entry of the OpenAI-compatible stand-in:
 * `tsx tests/standins/openai/main.ts --port 8840 [--latency-ms 3000] [--fault-rate 0.05]
 *  [--faults rate_limit,server_error] [--script rate_limit,,fence] [--seed 1] [--api-key KEY]
 *  [--models gpt-5-mini,deepseek-chat] [--no-json-schema deepseek-] [--scoring hash|lexical]
 *  [--bias '{"deepseek-chat":0.8}'] [--noise 0.3]`.
 * Prints one JSON line `{ "url": ... }` once listening, and runs until SIGINT/SIGTERM
 * (the shared flags and lifecycle are in `../common/cli.ts`; `--models` and `--no-json-schema` are
 * this stand-in's own).
 */
import { listFlag, runStandinMain } from "../common/cli";
import { startOpenAIStandin } from "./server";

await runStandinMain({
  defaultPort: 8840,
  extraFlags: ["models", "no-json-schema"],
  start: (options, flags) =>
    startOpenAIStandin({
      ...options,
      models: listFlag(flags.models),
      noJsonSchema: listFlag(flags["no-json-schema"]),
    }),
});
