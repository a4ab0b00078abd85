/**
 * @module
 * Counters of the Gemini stand-in: calls per article key (every call, and calls that got a usable
 * answer), faults injected, concurrency and the busiest minute. A key with more than one usable
 * answer is a double call: the oracle paid twice for the same article.
 */
import type { FaultKind } from "./faults";

export type StandinSummary = {
  calls: number;
  usable_answers: number;
  keys: number;
  double_calls: number;
  double_call_keys: string[];
  faults: Partial<Record<FaultKind, number>>;
  max_in_flight: number;
  /** Most calls started within any 60-second window. */
  max_calls_per_minute: number;
  calls_by_key: Record<string, number>;
  usable_by_key: Record<string, number>;
};

export class StandinStats {
  private callsByKey = new Map<string, number>();
  private usableByKey = new Map<string, number>();
  private faults = new Map<FaultKind, number>();
  private startTimes: number[] = [];
  private inFlight = 0;
  private maxInFlight = 0;

  /** Records the start of a call; the returned function records its end. */
  begin(key: string, fault: FaultKind | null): () => void {
    this.callsByKey.set(key, (this.callsByKey.get(key) ?? 0) + 1);
    if (fault) this.faults.set(fault, (this.faults.get(fault) ?? 0) + 1);
    this.startTimes.push(Date.now());
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    let ended = false;
    return () => {
      if (!ended) this.inFlight -= 1;
      ended = true;
    };
  }

  /** Records a 200 answer; `usable` when no content fault spoiled it. */
  answered(key: string, usable: boolean) {
    if (usable) this.usableByKey.set(key, (this.usableByKey.get(key) ?? 0) + 1);
  }

  callsFor(key: string): number {
    return this.callsByKey.get(key) ?? 0;
  }

  usableFor(key: string): number {
    return this.usableByKey.get(key) ?? 0;
  }

  reset() {
    this.callsByKey.clear();
    this.usableByKey.clear();
    this.faults.clear();
    this.startTimes = [];
    this.maxInFlight = this.inFlight;
  }

  summary(): StandinSummary {
    const doubles = [...this.usableByKey].filter(([, n]) => n > 1).map(([key]) => key);
    let busiest = 0;
    let first = 0;
    for (let last = 0; last < this.startTimes.length; last++) {
      while ((this.startTimes[last] ?? 0) - (this.startTimes[first] ?? 0) >= 60_000) first++;
      busiest = Math.max(busiest, last - first + 1);
    }
    return {
      calls: this.startTimes.length,
      usable_answers: [...this.usableByKey.values()].reduce((a, b) => a + b, 0),
      keys: this.callsByKey.size,
      double_calls: doubles.length,
      double_call_keys: doubles,
      faults: Object.fromEntries(this.faults),
      max_in_flight: this.maxInFlight,
      max_calls_per_minute: busiest,
      calls_by_key: Object.fromEntries(this.callsByKey),
      usable_by_key: Object.fromEntries(this.usableByKey),
    };
  }
}
