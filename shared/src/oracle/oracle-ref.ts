/**
 * @module
 * `provider:model[:thinking]`, the way a person names a bake-off contestant on the command line and
 * in Discord (`gemini:gemini-2.5-flash`, `openai:deepseek-chat:low`, `openai:qwen2.5:7b`). Model
 * names may contain ':' (Ollama tags), so the last segment is read as the thinking setting only when
 * it is a number (a token budget; -1 dynamic) or a level (`minimal|low|medium|high`). One parser for
 * the CLI and the bot; each wraps a refusal in its own error naming its own flag or option.
 */
import type { BakeoffOracle } from "./bakeoff";
import { oracleProviderSchema, type Thinking, thinkingLevelSchema, thinkingProblem } from "./models";

export type OracleRefResult = { ok: true; oracle: BakeoffOracle } | { ok: false; issue: string };
export type OracleListResult = { ok: true; oracles: BakeoffOracle[] } | { ok: false; issue: string };

/** What the syntax is, for help texts and refusals. */
export const ORACLE_REF_SYNTAX =
  "provider:model[:thinking], provider gemini or openai, thinking a token budget (-1: dynamic) or minimal|low|medium|high";

function thinkingOf(segment: string): Thinking | null {
  if (/^-?\d+$/.test(segment)) {
    const budget = Number(segment);
    return budget >= -1 ? budget : null;
  }
  const level = thinkingLevelSchema.safeParse(segment);
  return level.success ? level.data : null;
}

/**
 * Reads one `provider:model[:thinking]`; the issue says what to fix when it is not one.
 * @example
 * parseOracleRef("openai:deepseek-chat:low") // { ok: true, oracle: { provider: "openai", model: "deepseek-chat", thinking: "low" } }
 * parseOracleRef("openai:qwen2.5:7b")        // model "qwen2.5:7b", no thinking: "7b" is neither a number nor a level
 */
export function parseOracleRef(text: string): OracleRefResult {
  const ref = text.trim();
  const [providerText = "", ...rest] = ref.split(":");
  const provider = oracleProviderSchema.safeParse(providerText);
  if (!provider.success)
    return {
      ok: false,
      issue: `'${ref}': the provider '${providerText}' is not one of ${oracleProviderSchema.options.join(", ")} (expected ${ORACLE_REF_SYNTAX})`,
    };
  const last = rest.length >= 2 ? thinkingOf(rest.at(-1)!) : null;
  const model = (last === null ? rest : rest.slice(0, -1)).join(":");
  if (model.trim() === "" || model !== model.trim())
    return {
      ok: false,
      issue: `'${ref}': no model name after '${providerText}:' (expected ${ORACLE_REF_SYNTAX})`,
    };
  if (last === null) return { ok: true, oracle: { provider: provider.data, model } };
  const problem = thinkingProblem(provider.data, model, last);
  if (problem) return { ok: false, issue: `'${ref}': thinking '${last}': ${problem}` };
  return { ok: true, oracle: { provider: provider.data, model, thinking: last } };
}

/**
 * Reads a comma-separated list (`gemini:gemini-2.5-flash, openai:deepseek-chat:low`); the first bad
 * entry is the issue.
 * @example
 * parseOracleList("gemini:gemini-2.5-flash, openai:deepseek-chat") // { ok: true, oracles: [two oracles] }
 */
export function parseOracleList(text: string): OracleListResult {
  const entries = text
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
  const oracles: BakeoffOracle[] = [];
  for (const entry of entries) {
    const parsed = parseOracleRef(entry);
    if (!parsed.ok) return parsed;
    oracles.push(parsed.oracle);
  }
  return { ok: true, oracles };
}

/** An oracle written back as `provider:model[:thinking]`, the form `parseOracleRef` reads. */
export function oracleRefText(oracle: BakeoffOracle): string {
  return `${oracle.provider}:${oracle.model}${oracle.thinking === undefined ? "" : `:${oracle.thinking}`}`;
}

/**
 * The first contestant named twice (same provider, model and thinking as written), or null. Two
 * thinking settings of one model are two contestants; whether an unwritten setting equals a written
 * one is the edge's to say (it knows the filter's setting) and it refuses that with
 * `bakeoff.duplicate_oracle`.
 * @example
 * repeatedOracleRef([flash, { ...flash, thinking: 1024 }]) // null
 * repeatedOracleRef([flash, flash])                        // "gemini:gemini-2.5-flash"
 */
export function repeatedOracleRef(oracles: readonly BakeoffOracle[]): string | null {
  const refs = oracles.map(oracleRefText);
  return refs.find((ref, i) => refs.indexOf(ref) !== i) ?? null;
}
