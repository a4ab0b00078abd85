import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DistilleryError } from "@distillery/shared";
import { describe, expect, it } from "vitest";
import { actionsFor, parseRoleMap, requireAction } from "./permissions";

describe("permissions", () => {
  const roles = parseRoleMap('{"111":["read"],"222":["label"],"333":["admin"]}');

  it("grants what a member's roles list, read with any, everything with admin", () => {
    expect([...actionsFor(roles, ["111"])]).toEqual(["read"]);
    expect(actionsFor(roles, ["222"])).toEqual(new Set(["label", "read"]));
    expect(actionsFor(roles, ["333"]).has("train")).toBe(true);
    expect(actionsFor(roles, ["999"]).size).toBe(0);
  });

  it("refuses with the roles that would allow the action", () => {
    const refuse = () => requireAction(roles, ["111"], "label");
    expect(refuse).toThrow(DistilleryError);
    expect(refuse).toThrow(
      "needs the `label` permission; ask an admin for one of these roles: <@&222>, <@&333>",
    );
    expect(() => requireAction(roles, ["222"], "label")).not.toThrow();
  });

  it("reads the map from a file and names the bad field", () => {
    const dir = mkdtempSync(join(tmpdir(), "bot-roles-"));
    writeFileSync(join(dir, "roles.json"), '{"444":["train"]}');
    expect(parseRoleMap(join(dir, "roles.json"))).toEqual({ "444": ["train"] });
    expect(() => parseRoleMap('{"444":["fly"]}')).toThrow(/DISTILLERY_BOT_ROLES\.444\[0\]/);
    expect(() => parseRoleMap("{nope")).toThrow(/not valid JSON/);
    expect(parseRoleMap(undefined)).toEqual({});
  });
});
