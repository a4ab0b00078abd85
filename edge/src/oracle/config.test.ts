import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { limiterGate, oracleSettings } from "./config";

describe("oracle quotas", () => {
  it("gives the OpenAI-compatible endpoint its own quota, falling back to ORACLE_RPM/ORACLE_TPM", () => {
    const shared = oracleSettings({ ...env, ORACLE_RPM: "300", ORACLE_TPM: "50000" });
    expect(shared.quotas).toEqual({ gemini: { rpm: 300, tpm: 50_000 }, openai: { rpm: 300, tpm: 50_000 } });
    const own = oracleSettings({ ...env, ORACLE_RPM: "300", OPENAI_RPM: "60", OPENAI_TPM: "20000" });
    expect(own.quotas.openai).toEqual({ rpm: 60, tpm: 20_000 });
    expect(own.quotas.gemini.rpm).toBe(300);
  });

  it("refuses a quota that is not a positive number, naming the variable", () => {
    expect(() => oracleSettings({ ...env, OPENAI_RPM: "lots" })).toThrow(/OPENAI_RPM/);
  });

  it("keeps each provider under its own quota: a spent OpenAI quota does not hold Gemini calls", async () => {
    const settings = oracleSettings({ ...env, ORACLE_RPM: "6000", OPENAI_RPM: "2" });
    const id = env.ORACLE_LIMITER.idFromName("openai");
    // Spend the OpenAI bucket directly, so the next reservation would have to wait about half a minute.
    const limiter = env.ORACLE_LIMITER.get(id);
    let wait = 0;
    for (let i = 0; i < 3 && wait === 0; i++) wait = await limiter.reserve(1, settings.quotas.openai);
    expect(wait).toBeGreaterThan(10_000);
    const started = Date.now();
    await limiterGate(env, settings, "gemini")(1);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
