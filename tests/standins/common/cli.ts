/**
 * @module
 * The command line both API stand-ins share: the flags every stand-in takes (port, host, faults,
 * key, caching, scoring, knobs) plus the few its own `main.ts` adds, one JSON line `{ "url": ... }`
 * once listening (the `distillery start` stack reads it), and a clean close on SIGINT/SIGTERM.
 */
import { parseArgs } from "node:util";
import type { ScoringMode } from "../gemini/answer";
import { FAULT_KINDS, type FaultKind } from "../gemini/faults";
import type { PerModel } from "../gemini/knobs";
import type { StandinSettings } from "./controls";

/** The start options every stand-in's flags give. */
export type StandinCliOptions = Partial<StandinSettings> & {
  port: number;
  host: string;
  apiKey?: string;
  minCacheTokens?: number;
  scoring: ScoringMode;
};

/** The flag values as given, by flag name. */
export type StandinFlags = Record<string, string | undefined>;

export type StandinMain = {
  defaultPort: number;
  /** Flags only this stand-in takes, each with a string value. */
  extraFlags: readonly string[];
  start(options: StandinCliOptions, flags: StandinFlags): Promise<{ url: string; close(): Promise<void> }>;
};

/** A number flag; undefined when absent so the stand-in's default applies. */
export const numberFlag = (text: string | undefined) => (text === undefined ? undefined : Number(text));

/** A comma-separated list flag. */
export const listFlag = (text: string | undefined) => text?.split(",").map((item) => item.trim());

/** A knob is one number or a JSON object of numbers by model-name prefix. */
const perModel = (text: string | undefined) =>
  text === undefined ? undefined : (JSON.parse(text) as PerModel);

function faultList(text: string | undefined, allowEmpty: boolean): (FaultKind | null)[] | undefined {
  if (text === undefined) return undefined;
  return text.split(",").map((item) => {
    const name = item.trim();
    if (name === "" && allowEmpty) return null;
    if (!(FAULT_KINDS as readonly string[]).includes(name)) {
      throw new Error(`unknown fault '${name}', expected one of ${FAULT_KINDS.join(", ")}`);
    }
    return name as FaultKind;
  });
}

/**
 * Parses the command line, starts the stand-in, prints its URL and runs until SIGINT/SIGTERM.
 * @example
 * await runStandinMain({ defaultPort: 8820, extraFlags: [], start: (options) => startGeminiStandin(options) });
 */
export async function runStandinMain(main: StandinMain): Promise<void> {
  const extra = Object.fromEntries(main.extraFlags.map((name) => [name, { type: "string" as const }]));
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: String(main.defaultPort) },
      host: { type: "string", default: "127.0.0.1" },
      "latency-ms": { type: "string" },
      "fault-rate": { type: "string" },
      faults: { type: "string" },
      script: { type: "string" },
      seed: { type: "string" },
      "retry-after-s": { type: "string" },
      "api-key": { type: "string" },
      "min-cache-tokens": { type: "string" },
      scoring: { type: "string", default: "hash" },
      bias: { type: "string" },
      noise: { type: "string" },
      ...extra,
    },
  });
  const flags = values as StandinFlags;
  const standin = await main.start(
    {
      port: Number(flags.port),
      host: flags.host ?? "127.0.0.1",
      latencyMs: numberFlag(flags["latency-ms"]),
      faultRate: numberFlag(flags["fault-rate"]),
      faultKinds: faultList(flags.faults, false)?.filter((f): f is FaultKind => f !== null),
      script: faultList(flags.script, true),
      seed: numberFlag(flags.seed),
      retryAfterS: numberFlag(flags["retry-after-s"]),
      apiKey: flags["api-key"],
      minCacheTokens: numberFlag(flags["min-cache-tokens"]),
      scoring: flags.scoring === "lexical" ? "lexical" : "hash",
      bias: perModel(flags.bias),
      noise: perModel(flags.noise),
    },
    flags,
  );
  console.log(JSON.stringify({ url: standin.url }));
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      standin.close().then(() => process.exit(0));
    });
  }
}
