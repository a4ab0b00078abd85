/**
 * @module
 * `distillery demo`: the whole flow against the stack `npm start` runs (see `demo/flow.ts`).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type StudentKind, studentKindSchema } from "@distillery/shared";
import type { Command } from "commander";
import { DEMO_ENCODER, DEMO_ENCODER_NOTE, runDemo } from "../demo/flow";
import { usageError } from "../errors";
import type { Io } from "../io";
import { stackDataDir } from "../stack/local";

type DemoFlags = {
  edge: string;
  token?: string;
  dataDir?: string;
  filter: string;
  articles: number;
  sample: number;
  budget: number;
  student: StudentKind;
  encoder: string;
  baseModel?: string;
  out?: string;
  json?: boolean;
};

function positive(name: string) {
  return (value: string) => {
    const number = Number(value);
    if (!Number.isFinite(number) || number <= 0)
      throw usageError(`--${name} must be a positive number, got '${value}'`);
    return number;
  };
}

/**
 * The admin token: the flag, `DISTILLERY_TOKEN`, or the one `npm start` saved in the data folder's
 * `tokens.json`. No file is "no token"; a file that is unreadable, not JSON or has no `admin` token is
 * named as such, so the fix (remove it and run `npm start` again) is clear.
 * @example
 * await resolveToken({ dataDir: "/tmp/stack" }) // the admin token from /tmp/stack/tokens.json
 */
export async function resolveToken(flags: Pick<DemoFlags, "token" | "dataDir">): Promise<string> {
  const token = flags.token ?? process.env.DISTILLERY_TOKEN;
  if (token) return token;
  const file = join(stackDataDir(flags.dataDir), "tokens.json");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT")
      throw usageError(
        `no token: pass --token, set DISTILLERY_TOKEN, or run 'npm start' first (it writes ${file})`,
      );
    throw usageError(
      `cannot read ${file}: ${(error as Error).message}; pass --token or set DISTILLERY_TOKEN`,
    );
  }
  let admin: unknown;
  try {
    admin = (JSON.parse(text) as { admin?: unknown } | null)?.admin;
  } catch (error) {
    throw usageError(
      `${file} is malformed (not valid JSON: ${(error as Error).message}): remove it and run 'npm start' again, or pass --token`,
    );
  }
  if (typeof admin !== "string" || admin === "")
    throw usageError(
      `${file} is malformed (no "admin" token in it): remove it and run 'npm start' again, or pass --token`,
    );
  return admin;
}

export function registerDemoCommand(program: Command, io: Io): void {
  program
    .command("demo")
    .description("run the whole flow on a sample corpus against a running stack (npm start), step by step")
    .option("--edge <url>", "the edge", process.env.DISTILLERY_EDGE_URL ?? "http://127.0.0.1:8787")
    .option("--token <token>", "an admin token (default: DISTILLERY_TOKEN, or the one npm start saved)")
    .option("--data-dir <dir>", "the data folder of npm start (for its saved token)")
    .option("--filter <name>", "the built-in filter to distill", "sustainability-tech-deployment")
    .option("--articles <n>", "sample articles to ingest", positive("articles"), 600)
    .option("--sample <n>", "articles to label with the oracle", positive("sample"), 400)
    .option("--budget <usd>", "oracle budget cap in dollars", positive("budget"), 5)
    .option("--student <kind>", studentKindSchema.options.join(" | "), "probe")
    .option("--encoder <name>", `the probe's sentence encoder (default: ${DEMO_ENCODER_NOTE})`, DEMO_ENCODER)
    .option("--base-model <name>", "base model of a regression or generative student")
    .option("--out <dir>", "where report.html and report.json go (default <data dir>/demo)")
    .option("--json", "print the summary as JSON on stdout")
    .action(async (flags: DemoFlags) => {
      if (!studentKindSchema.safeParse(flags.student).success)
        throw usageError(
          `--student must be one of ${studentKindSchema.options.join(", ")}, got '${flags.student}'`,
        );
      const summary = await runDemo(
        {
          edge: flags.edge.replace(/\/$/, ""),
          token: await resolveToken(flags),
          filter: flags.filter,
          articles: flags.articles,
          corpusSeed: 7,
          sample: flags.sample,
          budgetUsd: flags.budget,
          student: flags.student,
          encoder: flags.encoder,
          baseModel: flags.baseModel,
          out: flags.out ?? join(stackDataDir(flags.dataDir), "demo"),
          live: process.stderr.isTTY === true,
        },
        io,
      );
      if (flags.json) io.out(`${JSON.stringify(summary, null, 2)}\n`);
    });
}
