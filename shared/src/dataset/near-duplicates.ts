/**
 * @module
 * Near-duplicate detection for datasets: the same story republished with small edits must not sit
 * in both the training and the test split, or the test flatters the student. Texts are normalized
 * (lower case, letters and digits only), cut into word 3-gram shingles, summarized by MinHash
 * signatures, and candidate pairs come from locality-sensitive hashing over bands of the signature;
 * a pair is a near duplicate when its estimated Jaccard similarity reaches the threshold.
 */
import { fnv1a } from "../random";

export type NearDuplicateOptions = {
  /** Estimated Jaccard similarity of shingle sets at or above which two texts are near duplicates. */
  threshold: number;
  /** Hash functions in a signature (bands × rows). */
  hashes: number;
  /** Rows per LSH band; fewer rows find more candidate pairs. */
  rowsPerBand: number;
};

export const DEFAULT_NEAR_DUPLICATE_OPTIONS: NearDuplicateOptions = {
  threshold: 0.8,
  hashes: 64,
  rowsPerBand: 4,
};

/** Lower case, letters and digits only (any script), single spaces. */
export function normalizeText(text: string): string {
  return text
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

/** Hashes of the word 3-grams of a normalized text (single words for very short texts). */
export function shingles(text: string): Set<number> {
  const words = normalizeText(text).split(" ").filter(Boolean);
  const out = new Set<number>();
  if (words.length < 3) {
    for (const word of words) out.add(fnv1a(word));
    return out;
  }
  for (let i = 0; i + 2 < words.length; i++) out.add(fnv1a(`${words[i]} ${words[i + 1]} ${words[i + 2]}`));
  return out;
}

/** A MinHash signature: for each of `hashes` universal hash functions, the minimum over the shingles. */
export function minhashSignature(set: Set<number>, hashes: number): Uint32Array {
  const signature = new Uint32Array(hashes).fill(0xffffffff);
  for (const value of set) {
    for (let i = 0; i < hashes; i++) {
      // Multiply-xorshift family with per-function odd multipliers: cheap and well mixed.
      let h = Math.imul(value ^ Math.imul(i + 1, 0x9e3779b1), (2 * i + 1) * 0x85ebca6b + 1) >>> 0;
      h ^= h >>> 15;
      h = Math.imul(h, 0xc2b2ae35) >>> 0;
      h ^= h >>> 13;
      if (h >>> 0 < signature[i]!) signature[i] = h >>> 0;
    }
  }
  return signature;
}

function estimatedJaccard(a: Uint32Array, b: Uint32Array): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}

/** The LSH bucket key of one band of a signature. */
function bandKey(signature: Uint32Array, band: number, rowsPerBand: number): string {
  return signature.slice(band * rowsPerBand, (band + 1) * rowsPerBand).join(",");
}

/** A growing set of texts that answers "is this a near duplicate of one already kept?". */
export type NearDuplicateIndex = {
  /** Keeps `text` unless it is a near duplicate of a kept one; true when it was kept. */
  add(text: string): boolean;
};

/**
 * An incremental index over the same MinHash/LSH test as `nearDuplicateGroups`, for picking texts one by
 * one (an active labelling job keeps at most one of each story).
 * @example
 * const index = nearDuplicateIndex();
 * index.add("Solar farm opens in Texas today"); // true
 * index.add("Solar farm opens in Texas today!"); // false
 */
export function nearDuplicateIndex(
  options: NearDuplicateOptions = DEFAULT_NEAR_DUPLICATE_OPTIONS,
): NearDuplicateIndex {
  const bands = Math.floor(options.hashes / options.rowsPerBand);
  const buckets = new Map<string, Uint32Array[]>();
  return {
    add(text) {
      if (text.trim() === "") return true;
      const signature = minhashSignature(shingles(text), options.hashes);
      const keys = Array.from(
        { length: bands },
        (_, band) => `${band}:${bandKey(signature, band, options.rowsPerBand)}`,
      );
      for (const key of keys) {
        for (const kept of buckets.get(key) ?? []) {
          if (estimatedJaccard(signature, kept) >= options.threshold) return false;
        }
      }
      for (const key of keys) {
        const bucket = buckets.get(key);
        if (bucket) bucket.push(signature);
        else buckets.set(key, [signature]);
      }
      return true;
    },
  };
}

/**
 * Groups of near-duplicate texts, as lists of indexes into `texts` (only groups of two or more).
 * @example
 * nearDuplicateGroups(["Solar farm opens in Texas today", "Solar farm opens in Texas today!"]) // [[0, 1]]
 */
export function nearDuplicateGroups(
  texts: readonly string[],
  options: NearDuplicateOptions = DEFAULT_NEAR_DUPLICATE_OPTIONS,
): number[][] {
  const signatures = texts.map((text) => minhashSignature(shingles(text), options.hashes));
  const parent = texts.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  const bands = Math.floor(options.hashes / options.rowsPerBand);
  for (let band = 0; band < bands; band++) {
    const buckets = new Map<string, number[]>();
    signatures.forEach((signature, index) => {
      if (texts[index]!.trim() === "") return;
      const key = bandKey(signature, band, options.rowsPerBand);
      const bucket = buckets.get(key);
      if (bucket) bucket.push(index);
      else buckets.set(key, [index]);
    });
    for (const bucket of buckets.values()) {
      // All pairs in small buckets; against the first member in huge ones (bounded work).
      const firsts = bucket.length <= 64 ? bucket.length - 1 : 1;
      for (let i = 0; i < firsts; i++) {
        for (let j = i + 1; j < bucket.length; j++) {
          const a = bucket[i]!;
          const b = bucket[j]!;
          if (find(a) !== find(b) && estimatedJaccard(signatures[a]!, signatures[b]!) >= options.threshold) {
            parent[find(b)] = find(a);
          }
        }
      }
    }
  }
  const groups = new Map<number, number[]>();
  texts.forEach((_, i) => {
    const root = find(i);
    const group = groups.get(root);
    if (group) group.push(i);
    else groups.set(root, [i]);
  });
  return [...groups.values()].filter((group) => group.length > 1);
}
