/**
 * @module
 * Small text renderings that fit in a Discord embed: a progress bar drawn with block characters,
 * durations ("3m 05s"), money and percentages. Pure functions; the job and eval embeds use them.
 */

const FILLED = "█";
const EMPTY = "░";

/**
 * A fixed-width bar with the percentage after it; an unknown total gives a bar-less count.
 * @example
 * progressBar(3, 10); // "██████░░░░░░░░░░░░░░ 30%"
 */
export function progressBar(done: number, total: number | null, width = 20): string {
  if (total === null || total <= 0) return `${formatCount(done)} done`;
  const share = Math.min(1, Math.max(0, done / total));
  // Never show a full bar before the job is really done.
  const filled = share < 1 ? Math.min(width - 1, Math.floor(share * width)) : width;
  return `${FILLED.repeat(filled)}${EMPTY.repeat(width - filled)} ${Math.floor(share * 100)}%`;
}

/** "45s", "3m 05s", "2h 07m", "3d 4h". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
}

/** US dollars with cents, or a tenth of a cent below one cent. */
export function formatUsd(usd: number): string {
  return usd !== 0 && Math.abs(usd) < 0.01 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

/** A share in 0..1 as a percentage with one decimal. */
export function formatPercent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

/** Thousands separated with a thin space-free comma, e.g. 12,345. */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}
