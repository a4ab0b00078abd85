/**
 * @module
 * Entry point of the `distillery` command (`cli/bin/distillery.mjs` loads it through tsx; `npm run
 * distillery` runs it directly). Runs the program on the process arguments and sets the exit code.
 */
import { processIo } from "./io";
import { runCli } from "./program";

process.exitCode = await runCli(process.argv, processIo);
