/**
 * @module
 * Command line entry of the Gemini stand-in:
 * `tsx tests/standins/gemini/main.ts --port 8820 [--latency-ms 3000] [--fault-rate 0.05]
 *  [--faults rate_limit,server_error] [--script rate_limit,,fence] [--seed 1] [--api-key KEY] [--scoring hash|lexical]
 *  [--bias 0.5 | --bias '{"gemini-2.5-flash-lite":0.8}'] [--noise 0.3]`.
 * Prints one JSON line `{ "url": ... }` once listening, and runs until SIGINT/SIGTERM.
 */
import { parseArgs } from "node:util";
import { FAULT_KINDS, type FaultKind } from "./faults";
import type { PerModel } from "./knobs";
import { startGeminiStandin } from "./server";

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

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "8820" },
    host: { type: "string", default: "127.0.0.1" },
    "latency-ms": { type: "string" },
    "fault-rate": { type: "string" },
    faults: { type: "string" },
    script: { type: "string" },
    seed: { type: "string" },
    "retry-after-s": { type: "string" },
    "api-key": { type: "string" },
    "min-cache-tokens": { type: "string" },
    "batch-polls": { type: "string" },
    scoring: { type: "string", default: "hash" },
    bias: { type: "string" },
    noise: { type: "string" },
  },
});

const number = (text: string | undefined) => (text === undefined ? undefined : Number(text));
/** A knob is one number or a JSON object of numbers by model-name prefix. */
const perModel = (text: string | undefined) =>
  text === undefined ? undefined : (JSON.parse(text) as PerModel);
const standin = await startGeminiStandin({
  port: Number(values.port),
  host: values.host,
  latencyMs: number(values["latency-ms"]),
  faultRate: number(values["fault-rate"]),
  faultKinds: faultList(values.faults, false)?.filter((f): f is FaultKind => f !== null),
  script: faultList(values.script, true),
  seed: number(values.seed),
  retryAfterS: number(values["retry-after-s"]),
  apiKey: values["api-key"],
  minCacheTokens: number(values["min-cache-tokens"]),
  batchPollsToComplete: number(values["batch-polls"]),
  scoring: values.scoring === "lexical" ? "lexical" : "hash",
  bias: perModel(values.bias),
  noise: perModel(values.noise),
});
console.log(JSON.stringify({ url: standin.url }));
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    standin.close().then(() => process.exit(0));
  });
}
