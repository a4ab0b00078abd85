/**
 * @module
 * `npm run bench -- probe [--encoder NAME] [--articles N] [--labels FILE]`: CPU articles/s of the probe
 * student (encoding + heads), fp32 vs dynamic int8, and the MAE cost of int8. The work is Python
 * (`probe_bench.py`, run with the project's venv); this launcher only finds the interpreter.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { repoRoot, resolvePython } from "@distillery/gpu-node/runner";

const python = await resolvePython();
const child = spawn(python, [join(repoRoot, "bench", "probe", "probe_bench.py"), ...process.argv.slice(2)], {
  stdio: "inherit",
  env: { ...process.env, HF_HUB_OFFLINE: process.env.HF_HUB_OFFLINE ?? "1" },
});
child.on("exit", (code) => process.exit(code ?? 1));
