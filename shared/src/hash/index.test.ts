import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { sha256HexSync } from "../node/hash";
import { sha256Hex } from "./index";

describe("sha256Hex", () => {
  it("gives the standard digest of a string, hashed as UTF-8", async () => {
    expect(await sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(await sha256Hex("é")).toBe(createHash("sha256").update("é").digest("hex"));
  });

  it("hashes bytes, and agrees with the Node sync variant", async () => {
    const bytes = new Uint8Array([0, 1, 2, 255]);
    expect(await sha256Hex(bytes)).toBe(createHash("sha256").update(bytes).digest("hex"));
    expect(sha256HexSync(bytes)).toBe(await sha256Hex(bytes));
    expect(sha256HexSync("abc")).toBe(await sha256Hex("abc"));
  });
});
