import { silentLogger, type PortLogger } from './logger.js';

/** Entities one integration wrote that another integration of the process also holds. */
export interface OwnershipConflict {
  /** The other integration. */
  integration: string;
  /** Entities written in conflict (since the reporter was created). */
  count: number;
  /** A few of them, `blueprint/identifier`, the first seen. */
  examples: string[];
}

export interface OwnershipConflictReporter {
  /** This integration wrote an entity that `other` holds. */
  note(other: string, blueprint: string, identifier: string): void;
  /**
   * Logs one warning per other integration with conflicts not logged yet, unless that pair was
   * logged less than `logIntervalMs` ago (`force` ignores that).
   */
  flush(options?: { force?: boolean }): void;
  conflicts(): OwnershipConflict[];
}

export interface OwnershipConflictReporterOptions {
  /** The writing integration. */
  integration: string;
  logger?: PortLogger;
  /** `resync` or `live events`, for the log line. */
  scope: string;
  /** A pair already logged is logged again at most this often. @default Infinity: once (one resync) */
  logIntervalMs?: number;
  /** Examples kept per pair. @default 5 */
  examples?: number;
  now?: () => number;
}

/**
 * Rate-limited warnings for entities two integrations both write: one line per pair (per
 * resync, or per interval for live events) with a count and a few examples, never one per entity.
 */
export function createOwnershipConflictReporter(options: OwnershipConflictReporterOptions): OwnershipConflictReporter {
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? Date.now;
  const logIntervalMs = options.logIntervalMs ?? Number.POSITIVE_INFINITY;
  const keep = options.examples ?? 5;
  const pairs = new Map<string, { conflict: OwnershipConflict; unlogged: number; unloggedExamples: string[]; loggedAt: number | undefined }>();

  return {
    note(other, blueprint, identifier) {
      let pair = pairs.get(other);
      if (pair === undefined) {
        pair = { conflict: { integration: other, count: 0, examples: [] }, unlogged: 0, unloggedExamples: [], loggedAt: undefined };
        pairs.set(other, pair);
      }
      const example = `${blueprint}/${identifier}`;
      pair.conflict.count += 1;
      if (pair.conflict.examples.length < keep) pair.conflict.examples.push(example);
      pair.unlogged += 1;
      if (pair.unloggedExamples.length < keep) pair.unloggedExamples.push(example);
    },
    flush(flushOptions = {}) {
      const at = now();
      for (const [other, pair] of pairs) {
        if (pair.unlogged === 0) continue;
        if (flushOptions.force !== true && pair.loggedAt !== undefined && at - pair.loggedAt < logIntervalMs) continue;
        const [first] = pair.unloggedExamples;
        const slash = first!.indexOf('/');
        const entities = `${pair.unlogged} entit${pair.unlogged === 1 ? 'y' : 'ies'}`;
        logger.warn(
          {
            otherIntegration: other,
            blueprint: first!.slice(0, slash),
            identifier: first!.slice(slash + 1),
            count: pair.unlogged,
            examples: pair.unloggedExamples,
            scope: options.scope,
          },
          `integrations "${options.integration}" and "${other}" write the same entities (${entities} in ${options.scope}${pair.loggedAt === undefined ? '' : ' since the previous report'}, ` +
            `e.g. blueprint "${first!.slice(0, slash)}" identifier "${first!.slice(slash + 1)}"): each write moves the entity to the writing integration (its datasource in Port), ` +
            'so they take it from each other and rewrite it every resync; map each entity in one integration only',
        );
        pair.unlogged = 0;
        pair.unloggedExamples = [];
        pair.loggedAt = at;
      }
    },
    conflicts: () => [...pairs.values()].map(({ conflict }) => ({ ...conflict, examples: [...conflict.examples] })),
  };
}
