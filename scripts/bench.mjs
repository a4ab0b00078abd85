// `npm run bench -- NAME [flags]`: runs bench/NAME/index.ts with the project's Node and tsx.
// Every benchmark prints progress on stderr and ends with one line of JSON holding its figures.
// `gpu` is the student GPU bench in Python (bench/student/gpu.py), run with the full profile's venv.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const [name, ...flags] = process.argv.slice(2);
/** Benchmarks written in Python: name -> script. */
const pythonBenches = { gpu: join(root, "bench", "student", "gpu.py") };
const available = readdirSync(join(root, "bench"), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(root, "bench", entry.name, "index.ts")))
  .map((entry) => entry.name)
  .concat(Object.keys(pythonBenches));

if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- NAME [flags]\nbenchmarks: ${available.join(", ")}`);
  process.exit(name ? 2 : 0);
}
const [command, args] =
  name in pythonBenches
    ? [pythonPath(), [pythonBenches[name], ...flags]]
    : [process.execPath, ["--import", "tsx", join(root, "bench", name, "index.ts"), ...flags]];
const child = spawn(command, args, { stdio: "inherit", cwd: root });
child.on("exit", (code, signal) => process.exit(signal ? 1 : (code ?? 1)));

/** The full profile's Python (torch, transformers, peft), created on first use by scripts/py-env.sh. */
function pythonPath() {
  const script = join(root, "scripts", "py-env.sh");
  return execFileSync("bash", [script, "--profile", "full", "path"], {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }).trim();
}
