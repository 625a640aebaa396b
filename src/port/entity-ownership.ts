import type { EntityLedger } from './entity-ledger.js';

/**
 * Which integrations of one Port organization hold which entities, to tell when two of them
 * write the same entity (same blueprint and identifier). Port keeps one datasource per entity,
 * the last writer's, so two such integrations take the entity from each other at every write:
 * each one's listing misses it, each one rewrites it every resync, and neither's reconciliation
 * ever sees it.
 *
 * It holds no copy of anything: each integration publishes the change-detection ledger of its
 * latest resync (what Port listed as its own when that resync began, plus what it produced),
 * compact and off the V8 heap (about 24 bytes per entity), and a question is answered by asking
 * the other integrations' ledgers. An integration's previous ledger is released when its next
 * resync's listing is complete, and sized the next one, so a resync never grows its table.
 */
export interface EntityOwnership {
  /** Makes `ledger` what `integration` holds (after its listing); the one before is released. */
  publish(integration: string, ledger: EntityLedger): void;
  /** Entities in the integration's published ledger (0 when none), to size the next one. */
  sizeOf(integration: string): number;
  /** The other integrations whose published ledger holds the entity (`refKey`), in publication order. */
  holders(key: string, except: string): string[];
  /** Releases an integration's ledger (it stopped, or was removed). */
  forget(integration: string): void;
}

export function createEntityOwnership(): EntityOwnership {
  const ledgers = new Map<string, EntityLedger>();
  return {
    publish(integration, ledger) {
      ledgers.set(integration, ledger);
    },
    sizeOf: (integration) => ledgers.get(integration)?.size ?? 0,
    holders(key, except) {
      const found: string[] = [];
      for (const [integration, ledger] of ledgers) if (integration !== except && ledger.has(key)) found.push(integration);
      return found;
    },
    forget(integration) {
      ledgers.delete(integration);
    },
  };
}
