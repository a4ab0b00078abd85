/**
 * @module
 * A small seeded pseudo-random generator (mulberry32): the same seed gives the same sequence on
 * every machine, so dataset splits, generated corpora, fixtures and injected faults are reproducible.
 * Not for anything secret.
 */

/**
 * Returns a generator of numbers in [0, 1).
 * @example
 * const random = seededRandom(42);
 * random(); // 0.6011…, the same on every run
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 32-bit FNV-1a of a string: a stable seed or bucket from text, the same on every machine. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
