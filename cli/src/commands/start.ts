/**
 * @module
 * `distillery start`: the whole stack on local defaults (see `stack/start.ts`). `npm start` runs it.
 */
import type { Command } from "commander";
import { usageError } from "../errors";
import type { Io } from "../io";
import { startStack } from "../stack/start";

function port(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > 65535) throw usageError(`not a port: '${value}'`);
  return number;
}

export function registerStartCommand(program: Command, io: Io): void {
  program
    .command("start")
    .description(
      "run the whole stack locally: edge (wrangler dev), Gemini and OpenAI-compatible stand-ins, a GPU node agent, the bot",
    )
    .option("--port <port>", "port of the edge", port, 8787)
    .option(
      "--gemini-port <port>",
      "port of the local Gemini stand-in (used when GEMINI_API_KEY is unset)",
      port,
      8788,
    )
    .option(
      "--openai-port <port>",
      "port of the local OpenAI-compatible stand-in (used when OPENAI_API_KEY is unset)",
      port,
      8824,
    )
    .option(
      "--data-dir <dir>",
      "local data folder (default $DISTILLERY_HOME or .distillery/ in the repository)",
    )
    .option("--no-node", "do not start a GPU node agent")
    .option("--no-seed", "do not seed the built-in filters and the sample corpus")
    .action(
      async (options: {
        port: number;
        geminiPort: number;
        openaiPort: number;
        dataDir?: string;
        node: boolean;
        seed: boolean;
      }) => {
        process.exitCode = await startStack(options, io);
      },
    );
}
