// `npm run bench -- NAME [flags]`: runs bench/NAME/index.ts with the project's Node and tsx.
// Every benchmark prints progress on stderr and ends with one line of JSON holding its figures.
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const [name, ...flags] = process.argv.slice(2);
const available = readdirSync(join(root, "bench"), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(root, "bench", entry.name, "index.ts")))
  .map((entry) => entry.name);

if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- NAME [flags]\nbenchmarks: ${available.join(", ")}`);
  process.exit(name ? 2 : 0);
}
const child = spawn(process.execPath, ["--import", "tsx", join(root, "bench", name, "index.ts"), ...flags], {
  stdio: "inherit",
  cwd: root,
});
child.on("exit", (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
