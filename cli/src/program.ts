/**
 * @module
 * The `distillery` program: commander setup and the one place errors become output and exit codes.
 * Each command lives in its own module under `commands/` and registers itself here; later commands
 * (`tokens`, `distill`, `demo`) add one line to `COMMANDS`.
 */
import { Command, CommanderError } from "commander";
import { registerBakeoffCommand } from "./commands/bakeoff";
import { registerDemoCommand } from "./commands/demo";
import { registerDistillCommand } from "./commands/distill";
import { registerImportCommand } from "./commands/import";
import { registerImportArticlesCommand } from "./commands/import-articles";
import { registerPromoteCommand } from "./commands/promote";
import { registerStartCommand } from "./commands/start";
import { registerTokensCommand } from "./commands/tokens";
import { describeError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, exitCodeFor } from "./errors";
import type { Io } from "./io";

/** A command module: adds its (sub)commands to the program. */
export type RegisterCommand = (program: Command, io: Io) => void;

const COMMANDS: RegisterCommand[] = [
  registerImportCommand,
  registerImportArticlesCommand,
  registerDistillCommand,
  registerTokensCommand,
  registerStartCommand,
  registerDemoCommand,
  registerBakeoffCommand,
  registerPromoteCommand,
];

/** The program with every command registered, writing to `io`. */
export function createProgram(io: Io): Command {
  const program = new Command("distillery")
    .description("Distill a cloud LLM's judgement into a fast local student model for scoring news corpora.")
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({
      writeOut: (text) => io.out(text),
      writeErr: (text) => io.err(text),
      outputError: (text, write) => write(`distillery: ${text.replace(/^error: /, "")}`),
    });
  for (const register of COMMANDS) register(program, io);
  const exitOverride = (command: Command) => {
    command.exitOverride();
    for (const sub of command.commands) exitOverride(sub);
  };
  exitOverride(program);
  return program;
}

/**
 * Runs the program on `argv` (as `process.argv`: node, script, arguments) and returns the exit code.
 * @example
 * process.exitCode = await runCli(process.argv, processIo);
 */
export async function runCli(argv: readonly string[], io: Io): Promise<number> {
  const program = createProgram(io);
  try {
    await program.parseAsync([...argv]);
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return EXIT_OK;
      return error.code === "commander.executeSubCommandAsync" ? EXIT_FAILURE : EXIT_USAGE;
    }
    io.err(`distillery: ${describeError(error)}\n`);
    return exitCodeFor(error);
  }
}
