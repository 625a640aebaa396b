import { randomInt } from 'node:crypto';

/**
 * What one resync knows per entity: the digest of what Port holds (from the owned-entities
 * listing, or from this resync's own write) and whether the resync produced the entity.
 *
 * It holds no identifiers and no per-entity JS objects: an entity is its key (`refKey`) hashed
 * to 64 bits, kept with its 48-bit digest and three flags in one 16-byte slot of an
 * open-addressing table on a typed array (linear probing, at most 3/4 full, grown by half), so
 * 1,000,000 entities take 24 MB off the V8 heap instead of ~110 MB of Map entries and key
 * strings on it. Growing by half rather than doubling keeps the table 1/2 to 3/4 full, and the
 * moment both the old and the new table exist costs 2.5x the old one instead of 3x. Stale entities are found by walking Port's listing again and asking
 * `isProduced` for each listed key, so the ledger never needs to give identifiers back.
 *
 * Collisions: two distinct keys share a slot only if their 64-bit hashes are equal, with
 * probability about n²/2⁶⁵ for n entities (3e-8 at 1,000,000; 3e-6 at 10,000,000). The hash is
 * seeded at random per ledger, so a collision does not repeat in the next resync. What one can
 * cause: a listed entity that the resync did not produce shares the slot of one it did, so it is
 * not deleted this time (it is kept, never wrongly deleted); or the two entities' digests are
 * compared with each other, and an entity is skipped as unchanged only if those digests are
 * also equal (a further 2⁻⁴⁸), so in practice a collision costs one extra write at most.
 */
export interface EntityLedger {
  /** Records what Port holds for an entity (listing). */
  listed(key: string, digest: number): void;
  /**
   * The resync produced this entity (written or not): it is not stale. With a digest, tells
   * whether Port already holds exactly that digest (the entity need not be written).
   */
  produced(key: string, digest?: number): boolean;
  /** The resync wrote this entity with this digest (undefined: written, digest unknown). */
  wrote(key: string, digest: number | undefined): void;
  /** Whether Port already holds exactly this digest for the entity. */
  unchanged(key: string, digest: number): boolean;
  isProduced(key: string): boolean;
  /** Whether the owned-entities listing showed this entity (it was this integration's when the resync began). */
  isListed(key: string): boolean;
  /** Whether the ledger knows the entity at all: listed as this integration's, or produced by this resync. */
  has(key: string): boolean;
  /** Whether some listed entity has not been produced (a deletion candidate). */
  anyStale(): boolean;
  clear(): void;
  /** Entities known. */
  readonly size: number;
  /** Bytes the table takes (off the V8 heap). */
  readonly byteLength: number;
}

export interface EntityLedgerOptions {
  /** Seeds the key hash (tests pin it); random by default so collisions do not persist. */
  seed?: number;
  /** Slots allocated up front (at least 16). @default 1024 */
  initialCapacity?: number;
}

// Slot layout, four Uint32 per slot: [hash high, hash low, digest low 32 bits, meta], where
// meta holds the digest's high 16 bits and the flags below. A slot with meta 0 is free.
const SLOT = 4;
const DIGEST_HIGH_MASK = 0xffff;
const OCCUPIED = 1 << 16;
const PRODUCED = 1 << 17;
const HAS_DIGEST = 1 << 18;
const LISTED = 1 << 19;
const TWO_32 = 2 ** 32;
const MAX_LOAD = 0.75;
const GROWTH = 1.5;
// Bound once: hot paths then never look a global up (slow inside vm contexts, e.g. under jest).
const { imul, floor } = Math;

export function createEntityLedger(options: EntityLedgerOptions = {}): EntityLedger {
  const seed = (options.seed ?? randomInt(0, TWO_32 - 1)) >>> 0;
  const initialCapacity = Math.max(16, Math.ceil(options.initialCapacity ?? 1024));
  let slots = new Uint32Array(initialCapacity * SLOT);
  let capacity = initialCapacity;
  let size = 0;
  // The hash of the key being handled, set by hashKey (two 32-bit halves, no BigInt allocation).
  let hashHigh = 0;
  let hashLow = 0;

  /**
   * A seeded 64-bit hash of the key's UTF-16 code units: two 32-bit lanes, each a MurmurHash3
   * round per code unit, cross-added every step so the 64-bit state depends on both, then
   * finalised with MurmurHash3's fmix32 on each lane after mixing them together.
   */
  function hashKey(key: string): void {
    let h1 = seed;
    let h2 = (seed ^ 0x9e3779b9) >>> 0;
    const length = key.length;
    for (let i = 0; i < length; i++) {
      let k = imul(key.charCodeAt(i), 0xcc9e2d51);
      k = imul((k << 15) | (k >>> 17), 0x1b873593);
      h1 ^= k;
      h1 = (imul((h1 << 13) | (h1 >>> 19), 5) + 0xe6546b64) | 0;
      h2 ^= k;
      h2 = (imul((h2 << 17) | (h2 >>> 15), 9) + 0x38495ab5) | 0;
      h1 = (h1 + h2) | 0;
      h2 = (h2 + h1) | 0;
    }
    h1 ^= length;
    h2 ^= length;
    h1 = (h1 + h2) | 0;
    h2 = (h2 + h1) | 0;
    h1 = fmix32(h1);
    h2 = fmix32(h2);
    h1 = (h1 + h2) | 0;
    h2 = (h2 + h1) | 0;
    hashHigh = h1 >>> 0;
    hashLow = h2 >>> 0;
  }

  /** The slot of the hashed key, or of the free slot where it would go (as an array offset). */
  function find(table: Uint32Array, tableCapacity: number, high: number, low: number): number {
    // Scales the hash to the table (no power-of-two size needed); exact, as low / 2^32 is.
    let index = floor((low / TWO_32) * tableCapacity);
    for (;;) {
      const at = index * SLOT;
      if (table[at + 3] === 0 || (table[at] === high && table[at + 1] === low)) return at;
      index = index + 1 === tableCapacity ? 0 : index + 1;
    }
  }

  function grow(): void {
    const old = slots;
    capacity = Math.ceil(capacity * GROWTH);
    slots = new Uint32Array(capacity * SLOT);
    for (let at = 0; at < old.length; at += SLOT) {
      if (old[at + 3] === 0) continue;
      const to = find(slots, capacity, old[at]!, old[at + 1]!);
      slots[to] = old[at]!;
      slots[to + 1] = old[at + 1]!;
      slots[to + 2] = old[at + 2]!;
      slots[to + 3] = old[at + 3]!;
    }
  }

  /** The slot of the key, claimed if it was free. */
  function slotFor(key: string): number {
    hashKey(key);
    let at = find(slots, capacity, hashHigh, hashLow);
    if (slots[at + 3] !== 0) return at;
    if (size + 1 > capacity * MAX_LOAD) {
      grow();
      at = find(slots, capacity, hashHigh, hashLow);
    }
    slots[at] = hashHigh;
    slots[at + 1] = hashLow;
    slots[at + 2] = 0;
    slots[at + 3] = OCCUPIED;
    size += 1;
    return at;
  }

  /** The slot of the key, or -1 if the ledger does not know it. */
  function slotOf(key: string): number {
    hashKey(key);
    const at = find(slots, capacity, hashHigh, hashLow);
    return slots[at + 3] === 0 ? -1 : at;
  }

  function setDigest(at: number, digest: number, flags: number): void {
    slots[at + 2] = digest % TWO_32;
    slots[at + 3] = (floor(digest / TWO_32) & DIGEST_HIGH_MASK) | flags | HAS_DIGEST | OCCUPIED;
  }

  function holds(at: number, digest: number): boolean {
    const meta = slots[at + 3]!;
    return (meta & HAS_DIGEST) !== 0 && slots[at + 2] === digest % TWO_32 && (meta & DIGEST_HIGH_MASK) === (floor(digest / TWO_32) & DIGEST_HIGH_MASK);
  }

  return {
    listed(key, digest) {
      const at = slotFor(key);
      setDigest(at, digest, (slots[at + 3]! & PRODUCED) | LISTED);
    },
    produced(key, digest) {
      const at = slotFor(key);
      slots[at + 3] = slots[at + 3]! | PRODUCED;
      return digest !== undefined && holds(at, digest);
    },
    wrote(key, digest) {
      const at = slotFor(key);
      const listedFlag = slots[at + 3]! & LISTED;
      if (digest === undefined) slots[at + 3] = OCCUPIED | PRODUCED | listedFlag;
      else setDigest(at, digest, PRODUCED | listedFlag);
    },
    unchanged(key, digest) {
      const at = slotOf(key);
      return at !== -1 && holds(at, digest);
    },
    isProduced(key) {
      const at = slotOf(key);
      return at !== -1 && (slots[at + 3]! & PRODUCED) !== 0;
    },
    isListed(key) {
      const at = slotOf(key);
      return at !== -1 && (slots[at + 3]! & LISTED) !== 0;
    },
    has(key) {
      return slotOf(key) !== -1;
    },
    anyStale() {
      for (let at = 3; at < slots.length; at += SLOT) {
        if ((slots[at]! & (LISTED | PRODUCED)) === LISTED) return true;
      }
      return false;
    },
    clear() {
      slots = new Uint32Array(initialCapacity * SLOT);
      capacity = initialCapacity;
      size = 0;
    },
    get size() {
      return size;
    },
    get byteLength() {
      return slots.byteLength;
    },
  };
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}
