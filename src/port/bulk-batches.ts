import type { PortEntity } from './entity.js';

/** Port's bulk-upsert limits: 20 entities and 1 MiB of body per request. */
export const BULK_MAX_ENTITIES = 20;
export const BODY_MAX_BYTES = 1024 * 1024;
/** Bytes of `{"entities":[` and `]}` around the serialised entities. */
const ENVELOPE_BYTES = Buffer.byteLength('{"entities":[]}');

export interface SizedEntity<T = PortEntity> {
  entity: T;
  /** UTF-8 bytes of `JSON.stringify(entity)`. */
  bytes: number;
}

export interface BatchPlan<T = PortEntity> {
  batches: T[][];
  /** Entities that alone exceed the body limit; sending them can only earn a 413. */
  oversized: T[];
}

/**
 * Packs entities (all of one blueprint) into bulk requests of at most `maxEntities` entities and
 * `maxBytes` of body, in order. Sizes are measured exactly, not estimated from a sample as Ocean
 * does, so a batch never earns a 413 for its size.
 */
export function planBatches<T extends object = PortEntity>(entities: readonly T[], maxEntities = BULK_MAX_ENTITIES, maxBytes = BODY_MAX_BYTES): BatchPlan<T> {
  const batches: T[][] = [];
  const oversized: T[] = [];
  let current: T[] = [];
  let currentBytes = ENVELOPE_BYTES;
  for (const entity of entities) {
    const bytes = Buffer.byteLength(JSON.stringify(entity));
    if (ENVELOPE_BYTES + bytes > maxBytes) {
      oversized.push(entity);
      continue;
    }
    const separator = current.length === 0 ? 0 : 1;
    if (current.length >= maxEntities || currentBytes + separator + bytes > maxBytes) {
      batches.push(current);
      current = [];
      currentBytes = ENVELOPE_BYTES;
    }
    currentBytes += (current.length === 0 ? 0 : 1) + bytes;
    current.push(entity);
  }
  if (current.length > 0) batches.push(current);
  return { batches, oversized };
}

/** Splits `items` into chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
