/**
 * @module
 * Who may do what. A config maps Discord role ids to actions: `read` (lists, status, eval, export),
 * `label` (oracle jobs: spends money), `train` (datasets, training, scoring: spends GPU time) and
 * `admin` (everything, including cancelling other people's jobs). Any listed action implies `read`.
 * The map comes from `DISTILLERY_BOT_ROLES`: inline JSON, or a path to a JSON file. A guild's
 * `@everyone` role has the guild's id, so `{"<guild id>": ["read"]}` lets every member read.
 */
import { readFileSync } from "node:fs";
import { DistilleryError, zodDetails } from "@distillery/shared";
import { z } from "zod";

export const ACTIONS = ["read", "label", "train", "admin"] as const;
export type Action = (typeof ACTIONS)[number];

export const roleMapSchema = z.record(
  z.string().regex(/^\d{1,20}$/, "a Discord role id (digits)"),
  z.array(z.enum(ACTIONS)).min(1),
);
export type RoleMap = z.infer<typeof roleMapSchema>;

/** Parses `DISTILLERY_BOT_ROLES` (JSON text, or the path of a JSON file); unset → nobody may do anything. */
export function parseRoleMap(value: string | undefined): RoleMap {
  if (!value?.trim()) return {};
  let text = value.trim();
  const source = text.startsWith("{") ? "DISTILLERY_BOT_ROLES" : text;
  if (!text.startsWith("{")) {
    try {
      text = readFileSync(text, "utf8");
    } catch (error) {
      throw new DistilleryError(
        "bot.config_invalid",
        `DISTILLERY_BOT_ROLES: cannot read the file '${source}'`,
        {
          details: [{ path: "DISTILLERY_BOT_ROLES", issue: (error as Error).message }],
        },
      );
    }
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new DistilleryError(
      "bot.config_invalid",
      `${source}: not valid JSON (${(error as Error).message})`,
      {
        details: [{ path: "DISTILLERY_BOT_ROLES", issue: "invalid JSON" }],
      },
    );
  }
  const parsed = roleMapSchema.safeParse(raw);
  if (!parsed.success) {
    const details = zodDetails(parsed.error, "DISTILLERY_BOT_ROLES");
    throw new DistilleryError("bot.config_invalid", `${source}: ${details[0]?.path}: ${details[0]?.issue}`, {
      details,
    });
  }
  return parsed.data;
}

/** The actions a member with `roleIds` may take. */
export function actionsFor(roles: RoleMap, roleIds: readonly string[]): Set<Action> {
  const actions = new Set<Action>();
  for (const id of roleIds) for (const action of roles[id] ?? []) actions.add(action);
  if (actions.has("admin")) for (const action of ACTIONS) actions.add(action);
  if (actions.size) actions.add("read");
  return actions;
}

/** The role ids that grant `action` (directly or through `admin`). */
export function rolesGranting(roles: RoleMap, action: Action): string[] {
  return Object.entries(roles)
    .filter(([, actions]) => actions.includes(action) || actions.includes("admin"))
    .map(([id]) => id);
}

/**
 * Throws `bot.forbidden` (with the roles that would allow it) unless a member with `roleIds` may `action`.
 * @example
 * requireAction(roles, ["123"], "label");
 */
export function requireAction(roles: RoleMap, roleIds: readonly string[], action: Action): void {
  if (actionsFor(roles, roleIds).has(action)) return;
  const granting = rolesGranting(roles, action);
  const fix = granting.length
    ? `ask an admin for one of these roles: ${granting.map((id) => `<@&${id}>`).join(", ")}`
    : `no role has it yet: an admin adds one to DISTILLERY_BOT_ROLES`;
  throw new DistilleryError("bot.forbidden", `This needs the \`${action}\` permission; ${fix}.`, {
    status: 403,
  });
}
