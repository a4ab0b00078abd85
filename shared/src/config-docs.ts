/**
 * @module
 * The configuration reference, generated from the zod config schemas (names, defaults and the
 * `.describe()` text), so the documentation cannot drift from what the code reads.
 * `npm run -w shared docs:config` writes `docs/configuration.md`; a test fails when it is stale.
 */
import type { z } from "zod";
import { botConfigSchema, edgeConfigSchema, nodeConfigSchema } from "./schemas/config";

const SECTIONS: { title: string; where: string; schema: z.ZodObject }[] = [
  {
    title: "Edge",
    where: "wrangler vars (`wrangler.jsonc`) and secrets (`wrangler secret put`)",
    schema: edgeConfigSchema,
  },
  {
    title: "GPU node agent",
    where: "environment of `npx distillery-node` (flags override)",
    schema: nodeConfigSchema,
  },
  { title: "Discord bot", where: "environment of `npm run -w bot start`", schema: botConfigSchema },
];

function defaultOf(field: z.ZodType): string {
  const result = field.safeParse(undefined);
  return result.success && result.data !== undefined ? `\`${String(result.data)}\`` : "–";
}

/** The reference as Markdown, one table per process. */
export function renderConfigDocs(): string {
  const lines = [
    "# Configuration reference",
    "",
    "Generated from the zod config schemas in `shared/src/schemas/config.ts` (`npm run -w shared docs:config`).",
    "",
  ];
  for (const section of SECTIONS) {
    lines.push(
      `## ${section.title}`,
      "",
      `Set in: ${section.where}.`,
      "",
      "| variable | default | meaning |",
      "|---|---|---|",
    );
    for (const [name, field] of Object.entries(section.schema.shape)) {
      const type = field as z.ZodType;
      lines.push(`| \`${name}\` | ${defaultOf(type)} | ${(type.description ?? "").replaceAll("|", "\\|")} |`);
    }
    lines.push("");
  }
  return lines.join("\n");
}
