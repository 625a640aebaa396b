/**
 * What one resync knows per entity, in one Map entry with one key string: the digest of what
 * Port holds (from the owned-entities listing, or from this resync's own write) and whether
 * the resync produced the entity. A digest is 48 bits, so the "produced" flag fits in the same
 * Number as bit 48; an entity produced but never written nor listed holds -1.
 */
const PRODUCED = 2 ** 48;
const PRODUCED_WITHOUT_DIGEST = -1;

export interface EntityLedger {
  /** Records what Port holds for an entity (listing). */
  listed(key: string, digest: number): void;
  /** The resync produced this entity (written or not): it is not stale. */
  produced(key: string): void;
  /** The resync wrote this entity with this digest. */
  wrote(key: string, digest: number | undefined): void;
  /** Whether Port already holds exactly this digest for the entity. */
  unchanged(key: string, digest: number): boolean;
  isProduced(key: string): boolean;
  /** Whether some listed entity has not been produced (a deletion candidate). */
  anyStale(): boolean;
  clear(): void;
  readonly size: number;
}

export function createEntityLedger(): EntityLedger {
  const entries = new Map<string, number>();
  const digestOf = (value: number | undefined): number | undefined =>
    value === undefined || value === PRODUCED_WITHOUT_DIGEST ? undefined : value >= PRODUCED ? value - PRODUCED : value;
  const producedFlag = (value: number | undefined): boolean => value !== undefined && (value === PRODUCED_WITHOUT_DIGEST || value >= PRODUCED);
  return {
    listed(key, digest) {
      entries.set(key, producedFlag(entries.get(key)) ? digest + PRODUCED : digest);
    },
    produced(key) {
      const value = entries.get(key);
      if (producedFlag(value)) return;
      entries.set(key, value === undefined ? PRODUCED_WITHOUT_DIGEST : value + PRODUCED);
    },
    wrote(key, digest) {
      entries.set(key, digest === undefined ? PRODUCED_WITHOUT_DIGEST : digest + PRODUCED);
    },
    unchanged(key, digest) {
      return digestOf(entries.get(key)) === digest;
    },
    isProduced(key) {
      return producedFlag(entries.get(key));
    },
    anyStale() {
      for (const value of entries.values()) if (!producedFlag(value)) return true;
      return false;
    },
    clear() {
      entries.clear();
    },
    get size() {
      return entries.size;
    },
  };
}
