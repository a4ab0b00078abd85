/**
 * @module
 * Fault injection for the Gemini stand-in. A fault is picked per `generateContent` call (and per
 * request inside a batch): first from the scripted sequence, in order, then by probability with a
 * seeded generator so a run is reproducible. Transport faults (429, 500, 503, hang, 400, 403) replace
 * the HTTP answer; content faults (fences, trailing text, truncation, a score as a string, an
 * out-of-range score, a safety block) change a 200 answer the way real models misbehave.
 */
import { seededRandom } from "@distillery/shared";

export const FAULT_KINDS = [
  "rate_limit",
  "server_error",
  "unavailable",
  "hang",
  "bad_request",
  "forbidden",
  "fence",
  "trailing_text",
  "truncated",
  "score_string",
  "out_of_range",
  "safety",
  "slow",
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Faults a caller should retry (the call may succeed later). */
export const TRANSIENT_FAULTS: readonly FaultKind[] = ["rate_limit", "server_error", "unavailable", "hang"];

export type FaultSettings = {
  /** Added to every answer, in milliseconds. */
  latencyMs: number;
  /** Probability (0..1) that a call gets one of `faultKinds`. */
  faultRate: number;
  /** Kinds drawn from when `faultRate` fires (uniformly). */
  faultKinds: FaultKind[];
  /** Consumed one per call before probabilities apply; `null` means "answer normally". */
  script: (FaultKind | null)[];
  /** Seed of the generator behind `faultRate`. */
  seed: number;
  /** Seconds announced in Retry-After (and RetryInfo) on a 429. */
  retryAfterS: number;
  /** Extra delay of a `slow` fault, in milliseconds. */
  slowMs: number;
  /** How long a `hang` lasts before the socket is dropped (0: until the client gives up). */
  hangMs: number;
};

export const DEFAULT_FAULT_SETTINGS: FaultSettings = {
  latencyMs: 0,
  faultRate: 0,
  faultKinds: ["rate_limit", "server_error", "fence", "trailing_text", "score_string"],
  script: [],
  seed: 1,
  retryAfterS: 1,
  slowMs: 2_000,
  hangMs: 0,
};

/** Picks faults call by call from the script, then by probability. */
export class FaultPicker {
  private settings: FaultSettings;
  private random: () => number;
  private script: (FaultKind | null)[];

  constructor(settings: FaultSettings) {
    this.settings = settings;
    this.random = seededRandom(settings.seed);
    this.script = [...settings.script];
  }

  update(settings: FaultSettings) {
    this.settings = settings;
    this.random = seededRandom(settings.seed);
    this.script = [...settings.script];
  }

  get current(): FaultSettings {
    return this.settings;
  }

  /** The fault for the next call, or null to answer normally. */
  next(): FaultKind | null {
    if (this.script.length > 0) return this.script.shift() ?? null;
    const { faultRate, faultKinds } = this.settings;
    if (faultRate <= 0 || faultKinds.length === 0) return null;
    if (this.random() >= faultRate) return null;
    return faultKinds[Math.floor(this.random() * faultKinds.length)] ?? null;
  }
}

/** Applies a content fault to the JSON text of a good answer. */
export function corruptText(kind: FaultKind, text: string): string {
  switch (kind) {
    case "fence":
      return `\`\`\`json\n${text}\n\`\`\``;
    case "trailing_text":
      return `${text}\n\nI hope this assessment helps!`;
    case "truncated":
      return text.slice(0, Math.max(1, Math.floor(text.length / 2)));
    case "score_string":
      return text.replace(/"score":\s*(-?[0-9.]+)/, '"score": "$1"');
    case "out_of_range":
      return text.replace(/"score":\s*(-?[0-9.]+)/, '"score": 11.5');
    default:
      return text;
  }
}
