/**
 * @module
 * Command line entry of the OpenAI-compatible stand-in:
 * `tsx tests/standins/openai/main.ts --port 8840 [--latency-ms 3000] [--fault-rate 0.05]
 *  [--faults rate_limit,server_error] [--script rate_limit,,fence] [--seed 1] [--api-key KEY]
 *  [--models gpt-5-mini,deepseek-chat] [--no-json-schema deepseek-] [--scoring hash|lexical]
 *  [--bias '{"deepseek-chat":0.8}'] [--noise 0.3]`.
 * Prints one JSON line `{ "url": ... }` once listening, and runs until SIGINT/SIGTERM.
 */
import { parseArgs } from "node:util";
import { FAULT_KINDS, type FaultKind } from "../gemini/faults";
import type { PerModel } from "../gemini/knobs";
import { startOpenAIStandin } from "./server";

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
    port: { type: "string", default: "8840" },
    host: { type: "string", default: "127.0.0.1" },
    "latency-ms": { type: "string" },
    "fault-rate": { type: "string" },
    faults: { type: "string" },
    script: { type: "string" },
    seed: { type: "string" },
    "retry-after-s": { type: "string" },
    "api-key": { type: "string" },
    models: { type: "string" },
    "no-json-schema": { type: "string" },
    "min-cache-tokens": { type: "string" },
    scoring: { type: "string", default: "hash" },
    bias: { type: "string" },
    noise: { type: "string" },
  },
});

const number = (text: string | undefined) => (text === undefined ? undefined : Number(text));
const list = (text: string | undefined) => text?.split(",").map((item) => item.trim());
/** A knob is one number or a JSON object of numbers by model-name prefix. */
const perModel = (text: string | undefined) =>
  text === undefined ? undefined : (JSON.parse(text) as PerModel);
const standin = await startOpenAIStandin({
  port: Number(values.port),
  host: values.host,
  latencyMs: number(values["latency-ms"]),
  faultRate: number(values["fault-rate"]),
  faultKinds: faultList(values.faults, false)?.filter((f): f is FaultKind => f !== null),
  script: faultList(values.script, true),
  seed: number(values.seed),
  retryAfterS: number(values["retry-after-s"]),
  apiKey: values["api-key"],
  models: list(values.models),
  noJsonSchema: list(values["no-json-schema"]),
  minCacheTokens: number(values["min-cache-tokens"]),
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
