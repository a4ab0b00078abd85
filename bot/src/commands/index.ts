/**
 * @module
 * The command loader: every command module, by name. Adding a command = writing its module in this
 * folder and listing it here; `register.ts` and the dispatcher both read this list.
 */
import { bakeoff } from "./bakeoff";
import { cancel } from "./cancel";
import { dataset } from "./dataset";
import { evaluation } from "./eval";
import { exportCommand } from "./export";
import { filters } from "./filters";
import { health } from "./health";
import { label } from "./label";
import { promote } from "./promote";
import { score } from "./score";
import { status } from "./status";
import { train } from "./train";
import type { Command } from "./types";

export const COMMANDS: readonly Command[] = [
  status,
  filters,
  label,
  bakeoff,
  dataset,
  train,
  evaluation,
  score,
  promote,
  health,
  cancel,
  exportCommand,
];

export function loadCommands(): Map<string, Command> {
  return new Map(COMMANDS.map((c) => [c.data.name, c]));
}

/** The definitions Discord receives at registration. */
export function commandDefinitions() {
  return COMMANDS.map((c) => c.data.toJSON());
}
