/**
 * @module
 * Command line entry of the Gemini stand-in:
 * `tsx tests/standins/gemini/main.ts --port 8820 [--latency-ms 3000] [--fault-rate 0.05]
 *  [--faults rate_limit,server_error] [--script rate_limit,,fence] [--seed 1] [--api-key KEY] [--scoring hash|lexical]
 *  [--bias 0.5 | --bias '{"gemini-2.5-flash-lite":0.8}'] [--noise 0.3]`.
 * Prints one JSON line `{ "url": ... }` once listening, and runs until SIGINT/SIGTERM
 * (the shared flags and lifecycle are in `../common/cli.ts`; `--batch-polls` is Gemini's own).
 */
import { numberFlag, runStandinMain } from "../common/cli";
import { startGeminiStandin } from "./server";

await runStandinMain({
  defaultPort: 8820,
  extraFlags: ["batch-polls"],
  start: (options, flags) =>
    startGeminiStandin({ ...options, batchPollsToComplete: numberFlag(flags["batch-polls"]) }),
});
