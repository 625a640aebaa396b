/**
 * Deterministic randomness for the fake organization. Every record is a pure function of
 * (seed, kind, index), so a test can rebuild any record on its own and a resync of a million
 * records never has to remember earlier ones.
 */

/** A source of numbers in [0, 1), like `Math.random`. */
export type Random = () => number;

/** Mixes integers into one well-spread 32-bit value (murmur3's finalizer over a running hash). */
export function hash32(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    h = Math.imul(h ^ (part | 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    // Fold in the high bits too, so indexes above 2^32 still differ.
    h = Math.imul(h ^ Math.floor(part / 0x1_0000_0000), 0x27d4eb2f);
  }
  return h >>> 0;
}

/** mulberry32: a tiny, fast generator with good statistical quality for test data. */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
}

/** An integer in [min, max]. */
export function intBetween(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** One element of a non-empty list. */
export function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

/** `count` distinct elements of `items` (or all of them when there are fewer), in list order. */
export function pickSome<T>(random: Random, items: readonly T[], count: number): T[] {
  const chosen: T[] = [];
  let needed = Math.min(count, items.length);
  // Selection sampling (Knuth's algorithm S): one pass, no shuffling, stable order.
  for (let i = 0; i < items.length && needed > 0; i++) {
    if (random() * (items.length - i) < needed) {
      chosen.push(items[i] as T);
      needed--;
    }
  }
  return chosen;
}
