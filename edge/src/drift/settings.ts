/**
 * @module
 * A filter's audit settings and periods. Packages stored before the `audit` block existed have none,
 * so the block is parsed (defaults filled) here rather than trusted from the stored JSON.
 */
import { type AuditSettings, auditSettingsSchema, type FilterPackage } from "@distillery/shared";

const DAY_MS = 24 * 60 * 60 * 1000;

export function auditSettingsOf(filter: FilterPackage): AuditSettings {
  return auditSettingsSchema.parse((filter as { audit?: unknown }).audit ?? {});
}

/** The period an audit started at `startedAt` samples (`[from, to)`), and the period before it. */
export function auditPeriods(startedAt: string, everyDays: number) {
  const to = Date.parse(startedAt);
  const from = to - everyDays * DAY_MS;
  return {
    current: { from: new Date(from).toISOString(), to: startedAt },
    previous: { from: new Date(from - everyDays * DAY_MS).toISOString(), to: new Date(from).toISOString() },
  };
}

/** When the audit after one started at `startedAt` is due. */
export function nextDueAt(startedAt: string, everyDays: number): string {
  return new Date(Date.parse(startedAt) + everyDays * DAY_MS).toISOString();
}

/** Audits that started after this instant hold the current period's slot. */
export function slotStart(now: number, everyDays: number): string {
  return new Date(now - everyDays * DAY_MS).toISOString();
}
