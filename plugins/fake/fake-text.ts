import { createRandom, intBetween, pick } from './fake-random.js';
import { PROSE_WORDS } from './fake-words.js';

/**
 * A long run of prose that padding text is sliced from. Slicing a shared string is cheap, so a
 * million 1 KB records cost one pool rather than a million rounds of word picking.
 */
export interface TextPool {
  /** `length` characters of prose starting at a word chosen by `offsetSeed` (any 32-bit value). */
  take(length: number, offsetSeed: number): string;
}

const MIN_POOL_CHARS = 256 * 1024;

export function createTextPool(seed: number, minChars = MIN_POOL_CHARS): TextPool {
  const random = createRandom(seed ^ 0x5eed7e47);
  const parts: string[] = [];
  let size = 0;
  // Twice the largest slice, so any offset in the first half leaves room for a whole slice.
  const target = Math.max(MIN_POOL_CHARS, minChars * 2 + 64);
  while (size < target) {
    const sentenceWords = intBetween(random, 6, 16);
    const words: string[] = [];
    for (let w = 0; w < sentenceWords; w++) words.push(pick(random, PROSE_WORDS));
    const first = words[0] as string;
    words[0] = first.charAt(0).toUpperCase() + first.slice(1);
    const sentence = `${words.join(' ')}. `;
    parts.push(sentence);
    size += sentence.length;
  }
  const pool = parts.join('');
  const half = Math.floor(pool.length / 2);
  return {
    take(length, offsetSeed) {
      if (length <= 0) return '';
      const start = offsetSeed % half;
      // Start on a word so the padding does not begin mid-word.
      const space = pool.indexOf(' ', start);
      const from = space === -1 || space > start + 16 ? start : space + 1;
      return pool.slice(from, from + length);
    },
  };
}
