/**
 * @module
 * `/bakeoff filter oracles budget [count] [repeat]` — the oracle bake-off: two to four oracles label
 * the same stratified sample, each re-asked on `repeat` articles, so a team can compare cost,
 * agreement, bias and self-consistency before it spends on labels. It spends money, so it needs the
 * `label` permission like `/label`, and `budget` caps every oracle together; `dry_run` only draws
 * the sample and estimates each oracle's cost. The reply is the job's live message, which ends with the report
 * (`format/bakeoff.ts`). `oracles` is read by the shared `parseOracleList`, the CLI's parser.
 */
import {
  BAKEOFF_MAX_ORACLES,
  BAKEOFF_MAX_SAMPLE,
  bakeoffJobSpecSchema,
  DistilleryError,
  formatPath,
  ORACLE_REF_SYNTAX,
  parseOracleList,
  repeatedOracleRef,
} from "@distillery/shared";
import { SlashCommandBuilder } from "discord.js";
import { filterChoices, parseFilterRef } from "./choices";
import { replyWithJob } from "./reply";
import type { Command } from "./types";

const DEFAULT_COUNT = 200;
const DEFAULT_REPEAT = 20;

function badOption(option: string, message: string, issue: string): DistilleryError {
  return new DistilleryError("bot.bad_option", message, { details: [{ path: option, issue }] });
}

/** Which option each field of the spec comes from, so a refusal names the option. */
const OPTION_OF: Record<string, string> = {
  filter: "filter",
  filter_version: "filter",
  oracles: "oracles",
  sample: "count",
  repeat: "repeat",
  budget_usd: "budget",
};

/**
 * The bake-off's job spec from the command's options; a refusal names the option to fix.
 * @example
 * bakeoffSpecOf({ filter: "example-energy", oracles: "gemini:gemini-2.5-flash, openai:deepseek-chat:low", budget: 2, count: null, repeat: null })
 */
export function bakeoffSpecOf(options: {
  filter: string;
  oracles: string;
  budget: number;
  count: number | null;
  repeat: number | null;
  dryRun?: boolean;
}) {
  const list = parseOracleList(options.oracles);
  if (!list.ok) throw badOption("oracles", `\`oracles\`: ${list.issue}`, list.issue);
  const count = list.oracles.length;
  if (count < 2 || count > BAKEOFF_MAX_ORACLES)
    throw badOption(
      "oracles",
      `\`oracles\`: give 2 to ${BAKEOFF_MAX_ORACLES} oracles separated by commas (got ${count}), each ${ORACLE_REF_SYNTAX}`,
      `2 to ${BAKEOFF_MAX_ORACLES} oracles`,
    );
  const twice = repeatedOracleRef(list.oracles);
  if (twice)
    throw badOption(
      "oracles",
      `\`oracles\`: ${twice} is listed twice: each contestant once (two thinking settings of one model may compete)`,
      "each contestant once",
    );
  const sampleCount = options.count ?? DEFAULT_COUNT;
  const parsed = bakeoffJobSpecSchema.safeParse({
    kind: "bakeoff",
    ...parseFilterRef(options.filter),
    oracles: list.oracles,
    sample: { count: sampleCount, seed: 42 },
    repeat: options.repeat ?? Math.min(DEFAULT_REPEAT, sampleCount),
    budget_usd: options.budget,
    dry_run: options.dryRun === true,
  });
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const option = OPTION_OF[String(issue.path[0])] ?? formatPath(issue.path);
  throw badOption(option, `\`${option}\`: ${issue.message}`, issue.message);
}

export const bakeoff: Command = {
  data: new SlashCommandBuilder()
    .setName("bakeoff")
    .setDescription("Compare 2-4 oracles on the same sample: cost, agreement, bias, self-consistency")
    .addStringOption((o) =>
      o
        .setName("filter")
        .setDescription("Filter name or name@version")
        .setRequired(true)
        .setAutocomplete(true),
    )
    .addStringOption((o) =>
      o
        .setName("oracles")
        .setDescription(
          "Comma-separated provider:model[:thinking], e.g. gemini:gemini-2.5-flash, openai:deepseek-chat:low",
        )
        .setRequired(true)
        .setMaxLength(400),
    )
    .addNumberOption((o) =>
      o
        .setName("budget")
        .setDescription("Budget cap in USD for the whole bake-off, every oracle together")
        .setRequired(true)
        .setMinValue(0.01),
    )
    .addIntegerOption((o) =>
      o
        .setName("count")
        .setDescription("Articles in the stratified sample (default 200)")
        .setMinValue(1)
        .setMaxValue(BAKEOFF_MAX_SAMPLE),
    )
    .addIntegerOption((o) =>
      o
        .setName("repeat")
        .setDescription(
          "Articles each oracle is asked twice, for self-consistency (default 20, at most count)",
        )
        .setMinValue(0)
        .setMaxValue(BAKEOFF_MAX_SAMPLE),
    )
    .addBooleanOption((o) =>
      o
        .setName("dry_run")
        .setDescription("Only estimate each oracle's cost on the sample: nothing is sent or spent"),
    ),
  action: "label",
  async execute(interaction, ctx) {
    const o = interaction.options;
    const spec = bakeoffSpecOf({
      filter: o.getString("filter", true),
      oracles: o.getString("oracles", true),
      budget: o.getNumber("budget", true),
      count: o.getInteger("count"),
      repeat: o.getInteger("repeat"),
      dryRun: o.getBoolean("dry_run") ?? false,
    });
    const job = await ctx.edge.createJob(spec);
    await replyWithJob(interaction, job, ctx);
  },
  autocomplete: (interaction, { edge }) => filterChoices(edge, interaction.options.getFocused()),
};
