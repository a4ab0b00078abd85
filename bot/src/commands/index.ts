/**
 * @module
 * The command loader: every command module, by name. Adding a command = writing its module in this
 * folder and listing it here; `register.ts` and the dispatcher both read this list.
 */
import { cancel } from "./cancel";
import { evaluation } from "./eval";
import { status } from "./status";
import { train } from "./train";
import type { Command } from "./types";

export const COMMANDS: readonly Command[] = [status, train, evaluation, cancel];

export function loadCommands(): Map<string, Command> {
  return new Map(COMMANDS.map((c) => [c.data.name, c]));
}

/** The definitions Discord receives at registration. */
export function commandDefinitions() {
  return COMMANDS.map((c) => c.data.toJSON());
}
