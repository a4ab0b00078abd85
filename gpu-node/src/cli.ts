/**
 * @module
 * `distillery-node`: the agent a team runs next to its GPU. Connects to the edge with a node token,
 * runs leased jobs as Python subprocesses and reconnects after any drop; exits non-zero when the hub
 * refuses the node (bad token, wrong protocol version, replaced by another agent with the same id).
 * `DISTILLERY_EDGE_URL`, `DISTILLERY_NODE_TOKEN` and `DISTILLERY_WORK_DIR` (see `config.ts`) are the
 * defaults of `--edge`, `--token` and `--work-dir`; a flag overrides its variable.
 */
import { resolve } from "node:path";
import { Command } from "commander";
import { AGENT_VERSION, Agent } from "./agent/agent";
import { ProgressDisplay } from "./agent/progress-bar";
import { type NodeConfig, nodeConfig } from "./config";

let config: NodeConfig;
try {
  config = nodeConfig(process.env);
} catch (error) {
  console.error(`distillery-node: ${(error as Error).message}`);
  process.exit(2);
}

const program = new Command()
  .name("distillery-node")
  .description("Run Distillery training, evaluation and scoring jobs on this machine's GPU.")
  .version(AGENT_VERSION)
  .option("--edge <url>", "the edge's base URL; or DISTILLERY_EDGE_URL", config.DISTILLERY_EDGE_URL)
  .option(
    "--token <token>",
    "a node token (role node); or DISTILLERY_NODE_TOKEN",
    config.DISTILLERY_NODE_TOKEN,
  )
  .option(
    "--work-dir <dir>",
    "checkpoints, download cache and the node id; or DISTILLERY_WORK_DIR",
    config.DISTILLERY_WORK_DIR,
  )
  .option("--name <name>", "a name for this node in `GET /v1/nodes` (default: its id)")
  .option("--python <path>", "Python interpreter (default: the project venv from scripts/py-env.sh)")
  .option("--python-module <name>", "Python module to run (tests use a stub)", "distillery_gpu")
  .option("--python-path <dirs...>", "folders prepended to PYTHONPATH (default: <repo>/python/src)")
  .option("--max-backoff-ms <ms>", "longest wait between reconnects", (value) => Number(value), 30_000)
  .action(async (options) => {
    if (!options.token) program.error("a node token is required: --token or DISTILLERY_NODE_TOKEN");
    const display = new ProgressDisplay();
    const log = (line: string) => {
      display.stop();
      console.error(`[${new Date().toISOString()}] ${line}`);
    };
    const agent = new Agent({
      edgeUrl: options.edge,
      token: options.token,
      workDir: resolve(options.workDir),
      name: options.name,
      runner: {
        python: options.python,
        module: options.pythonModule,
        pythonPath: options.pythonPath?.map((dir: string) => resolve(dir)),
      },
      log,
      maxBackoffMs: options.maxBackoffMs,
      onProgress: (offer, progress) => display.update(offer.job_id, progress),
      onJobDone: () => display.stop(),
    });
    let stoppedBySignal = false;
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      process.once(signal, () => {
        stoppedBySignal = true;
        log(`${signal}: stopping`);
        agent.stop();
      });
    }
    const closed = await agent.run();
    if (!stoppedBySignal && closed.code !== 1000) {
      log(`the hub refused this node: ${closed.reason || closed.code}`);
      process.exitCode = 2;
    }
  });

await program.parseAsync();
