import { describeError } from '../errors.js';
import { readBlueprint } from './blueprints.js';
import { bulkDelete } from './bulk-delete.js';
import { bulkUpsert, type UpsertFlags, type UpsertOutcome } from './bulk-upsert.js';
import { decideDeletion, type DeletionVerdict } from './deletion-gate.js';
import { entityDigest } from './entity-digest.js';
import { createEntityLedger } from './entity-ledger.js';
import type { EntityOwnership } from './entity-ownership.js';
import { parseRefKey, refKey, type PortEntity } from './entity.js';
import { silentLogger, type PortLogger } from './logger.js';
import { listOwnedEntities } from './owned-entities.js';
import type { PortClient } from './port-client.js';
import { createOwnershipConflictReporter, type OwnershipConflict } from './ownership-conflicts.js';
import { collectTargets, orderByRelations } from './relation-order.js';
import type { IntegrationIdentity } from './user-agent.js';

/** The mapping root's options that shape loading and reconciliation (Ocean's defaults). */
export interface MappingOptions {
  /** @default true */
  deleteDependentEntities?: boolean;
  /** @default true */
  createMissingRelatedEntities?: boolean;
  /** @default true */
  enableMergeEntity?: boolean;
  /** @default 0.9 */
  entityDeletionThreshold?: number;
}

export interface IngestionSessionOptions {
  client: PortClient;
  integration: IntegrationIdentity;
  mapping?: MappingOptions;
  /** When the resync started: entities Port saw written after it are never deleted. @default now */
  startedAt?: Date;
  logger?: PortLogger;
  /** Aborts in-flight requests (a newer resync, shutdown). */
  signal?: AbortSignal;
  /** Page size of the owned-entities listing. @default 5000 */
  listingPageSize?: number;
  /**
   * The organization's ownership registry: the session publishes its ledger there once the
   * listing is in, and warns (one line per other integration, at `finish`) about entities it
   * wrote that Port held under another datasource while another integration holds them.
   */
  ownership?: EntityOwnership;
}

export interface KindCounts {
  /** Entities handed to `upsert`. */
  received: number;
  /** Written to Port. */
  upserted: number;
  /** Unchanged in Port, so not written. */
  skipped: number;
  failed: number;
  /** Waiting for a related entity; retried at `finish`. */
  deferred: number;
  /** Search-query identifiers that matched nothing. */
  unresolved: number;
}

export interface UpsertSummary {
  upserted: number;
  skipped: number;
  failed: number;
  deferred: number;
  unresolved: number;
}

export interface ReconciliationReport {
  /** Whether stale entities were deleted (or none needed deleting). */
  performed: boolean;
  verdict: Extract<DeletionVerdict, { allowed: false }>['reason'] | 'allowed';
  detail: string;
  /** Entities this integration owned in Port when the resync began (the threshold's denominator). */
  ownedBefore: number;
  stale: number;
  /** Stale entities kept because a kept entity relates to them. */
  protected: number;
  deleted: number;
  deleteFailed: number;
  /** Deleted entities per blueprint, so callers can attribute deletions to mapping blocks. */
  deletedByBlueprint: Record<string, number>;
}

export interface ResyncOutcome {
  /** True when no kind failed and the resync was not aborted. */
  success: boolean;
  kinds: Record<string, KindCounts>;
  kindErrors: Record<string, string>;
  retried: { attempted: number; upserted: number; failed: number };
  reconciliation: ReconciliationReport;
  /** Port requests this session sent (listing, writes, deletes). */
  requests: number;
  /** Other integrations of the organization that hold entities this resync wrote (see `ownership`). */
  conflicts: OwnershipConflict[];
}

export interface IngestionSession {
  /**
   * Loads mapped entities of one resource block: unchanged ones are skipped, the rest are
   * bulk-upserted. Resolves once Port has answered for every entity (back-pressure).
   */
  upsert(entities: readonly PortEntity[], source: { kind: string; resourceIndex?: number }): Promise<UpsertSummary>;
  /** A kind failed (handler error, bad selector, missing handler): no deletions this resync. */
  recordKindError(kind: string, error: unknown): void;
  /** Retries deferred entities, then reconciles behind the gates. Call once, after the last block. */
  finish(options?: { aborted?: boolean }): Promise<ResyncOutcome>;
}

/**
 * One resync's load and reconcile stage. Change detection replaces Ocean's 50-at-a-time
 * searches: the owned entities are listed once (5,000 per request) and kept as a 48-bit digest
 * each, so an unchanged resync of N entities costs about N/5000 requests and no writes.
 */
export function createIngestionSession(options: IngestionSessionOptions): IngestionSession {
  const { client, integration } = options;
  const logger = options.logger ?? silentLogger;
  const startedAt = options.startedAt ?? new Date();
  const mapping = {
    deleteDependentEntities: options.mapping?.deleteDependentEntities ?? true,
    createMissingRelatedEntities: options.mapping?.createMissingRelatedEntities ?? true,
    enableMergeEntity: options.mapping?.enableMergeEntity ?? true,
    entityDeletionThreshold: options.mapping?.entityDeletionThreshold,
  };
  const flags: UpsertFlags = { merge: mapping.enableMergeEntity, createMissingRelatedEntities: mapping.createMissingRelatedEntities };
  const signalOption = options.signal === undefined ? {} : { signal: options.signal };
  const requestCounter = countingClient(client);

  /**
   * Per entity: the digest Port holds, and whether this resync produced it (never stale). Sized
   * from the previous resync's, so it need not grow while the listing comes in.
   */
  const previousSize = options.ownership?.sizeOf(integration.identifier) ?? 0;
  const ledger = createEntityLedger(previousSize > 0 ? { initialCapacity: Math.ceil(previousSize / 0.7) } : {});
  const conflicts = createOwnershipConflictReporter({ integration: integration.identifier, logger, scope: 'this resync' });
  /** Whether the listing came in: only then does "not listed" mean "not this integration's". */
  let listingComplete = false;
  /** Relation targets of produced entities, by `<blueprint>\0<relation>`, to protect them. */
  const relationTargets = new Map<string, Set<string>>();
  const deferred: PortEntity[] = [];
  const kinds = new Map<string, KindCounts>();
  const kindErrors = new Map<string, string>();
  let listing: Promise<boolean> | undefined;
  /** How many entities the integration owned in Port when the resync began. */
  let ownedAtStart = 0;
  let finished = false;

  function countsFor(kind: string): KindCounts {
    let counts = kinds.get(kind);
    if (counts === undefined) {
      counts = { received: 0, upserted: 0, skipped: 0, failed: 0, deferred: 0, unresolved: 0 };
      kinds.set(kind, counts);
    }
    return counts;
  }

  function loadListing(): Promise<boolean> {
    listing ??= (async () => {
      try {
        for await (const page of listOwnedEntities(requestCounter.client, integration, { ...pageSizeOption(), lane: 'resync', ...signalOption })) {
          ownedAtStart += page.length;
          for (const entity of page) ledger.listed(refKey(entity.blueprint, entity.identifier), entityDigest(entity as Parameters<typeof entityDigest>[0]));
        }
        listingComplete = true;
        options.ownership?.publish(integration.identifier, ledger);
        return true;
      } catch (error) {
        if (options.signal?.aborted) throw error;
        // Without the listing every entity is written: slower, never wrong.
        ledger.clear();
        ownedAtStart = 0;
        logger.warn({ err: describeError(error) }, 'Could not list the entities this integration owns in Port; writing every entity');
        return false;
      }
    })();
    return listing;
  }

  function pageSizeOption(): { pageSize?: number } {
    return options.listingPageSize === undefined ? {} : { pageSize: options.listingPageSize };
  }

  function rememberRelations(entity: PortEntity): void {
    if (!mapping.createMissingRelatedEntities || entity.relations === undefined) return;
    for (const [relation, value] of Object.entries(entity.relations)) {
      const targets = new Set<string>();
      collectTargets(value, targets);
      if (targets.size === 0) continue;
      const key = refKey(entity.blueprint, relation);
      let known = relationTargets.get(key);
      if (known === undefined) relationTargets.set(key, (known = new Set()));
      for (const target of targets) known.add(target);
    }
  }

  function applyOutcomes(outcomes: UpsertOutcome[], counts: KindCounts | undefined, summary: UpsertSummary, digests: Map<PortEntity, number>): void {
    let logged = 0;
    for (const outcome of outcomes) {
      switch (outcome.status) {
        case 'upserted': {
          const key = refKey(outcome.entity.blueprint, outcome.identifier);
          // Port had it (not created) but not as this integration's: someone else held it.
          if (!outcome.created && listingComplete && options.ownership !== undefined && !ledger.isListed(key)) {
            for (const other of options.ownership.holders(key, integration.identifier)) conflicts.note(other, outcome.entity.blueprint, outcome.identifier);
          }
          ledger.wrote(key, digests.get(outcome.entity));
          summary.upserted += 1;
          if (counts) counts.upserted += 1;
          break;
        }
        case 'unresolved':
          summary.unresolved += 1;
          if (counts) counts.unresolved += 1;
          break;
        case 'missing-related':
          if (!mapping.createMissingRelatedEntities) {
            deferred.push(outcome.entity);
            summary.deferred += 1;
            if (counts) counts.deferred += 1;
            break;
          }
        // With auto-creation on, a missing relation is a plain failure.
        // falls through
        default:
          summary.failed += 1;
          if (counts) counts.failed += 1;
          if (logged++ < 5) {
            logger.warn(
              { blueprint: outcome.entity.blueprint, identifier: outcome.entity.identifier, reason: 'message' in outcome ? outcome.message : undefined },
              'Port refused an entity',
            );
          }
      }
    }
  }

  async function upsertGrouped(entities: PortEntity[], counts: KindCounts | undefined, digests: Map<PortEntity, number>): Promise<UpsertSummary> {
    const summary: UpsertSummary = { upserted: 0, skipped: 0, failed: 0, deferred: 0, unresolved: 0 };
    const byBlueprint = new Map<string, PortEntity[]>();
    for (const entity of entities) {
      let group = byBlueprint.get(entity.blueprint);
      if (group === undefined) byBlueprint.set(entity.blueprint, (group = []));
      group.push(entity);
    }
    const results = await Promise.all(
      [...byBlueprint].map(([blueprint, group]) => bulkUpsert(requestCounter.client, integration, blueprint, group, flags, { lane: 'resync', ...signalOption })),
    );
    for (const outcomes of results) applyOutcomes(outcomes, counts, summary, digests);
    return summary;
  }

  return {
    async upsert(entities, source) {
      if (finished) throw new Error('This ingestion session has finished; start a new one for the next resync');
      await loadListing();
      const counts = countsFor(source.kind);
      const toWrite: PortEntity[] = [];
      const digests = new Map<PortEntity, number>();
      let skipped = 0;
      let invalid = 0;
      let firstInvalid: number | undefined;
      for (const [index, entity] of entities.entries()) {
        counts.received += 1;
        if (typeof entity?.blueprint !== 'string' || entity.blueprint === '' || entity.identifier === undefined || entity.identifier === '' || entity.identifier === null) {
          invalid += 1;
          firstInvalid ??= index;
          continue;
        }
        rememberRelations(entity);
        if (typeof entity.identifier === 'string') {
          const key = refKey(entity.blueprint, entity.identifier);
          const digest = entityDigest(entity);
          if (ledger.produced(key, digest)) {
            skipped += 1;
            continue;
          }
          digests.set(entity, digest);
        }
        toWrite.push(entity);
      }
      if (invalid > 0) {
        counts.failed += invalid;
        logger.warn(
          { kind: source.kind, resourceIndex: source.resourceIndex, count: invalid, firstIndexInPage: firstInvalid },
          'Entities without a blueprint or identifier were not sent to Port',
        );
      }
      counts.skipped += skipped;
      const summary = await upsertGrouped(toWrite, counts, digests);
      summary.skipped = skipped;
      summary.failed += invalid;
      return summary;
    },

    recordKindError(kind, error) {
      kindErrors.set(kind, describeError(error));
      countsFor(kind);
    },

    async finish(finishOptions = {}) {
      if (finished) throw new Error('finish() was already called on this ingestion session');
      finished = true;
      const aborted = finishOptions.aborted === true || options.signal?.aborted === true;
      const retried = { attempted: 0, upserted: 0, failed: 0 };
      if (!aborted && deferred.length > 0) await retryDeferred(retried);
      const reconciliation = aborted
        ? emptyReport('aborted', 'the resync was aborted')
        : kindErrors.size > 0
          ? emptyReport('kind-errors', `kinds failed: ${[...kindErrors.keys()].join(', ')}`)
          : await reconcile();
      conflicts.flush({ force: true });
      return {
        success: !aborted && kindErrors.size === 0,
        kinds: Object.fromEntries(kinds),
        kindErrors: Object.fromEntries(kindErrors),
        retried,
        reconciliation,
        requests: requestCounter.count(),
        conflicts: conflicts.conflicts(),
      };
    },
  };

  /** Entities refused for a missing related entity, retried targets-first (Ocean 5.7). */
  async function retryDeferred(retried: ResyncOutcome['retried']): Promise<void> {
    const order = orderByRelations(deferred.splice(0));
    const rounds = [...order.layers, ...order.cyclic.map((entity) => [entity])];
    const digests = new Map<PortEntity, number>();
    for (const round of rounds) {
      for (const entity of round) if (typeof entity.identifier === 'string') digests.set(entity, entityDigest(entity));
      retried.attempted += round.length;
      const summary = await upsertGrouped(round, undefined, digests);
      retried.upserted += summary.upserted;
      retried.failed += summary.failed + summary.deferred + summary.unresolved;
    }
    // Whatever failed again was pushed back by applyOutcomes; it stays failed, not re-queued.
    deferred.length = 0;
    logger.info(retried, 'Retried entities that were waiting for related entities');
  }

  async function reconcile(): Promise<ReconciliationReport> {
    const listed = await loadListing().catch(() => false);
    if (listed) {
      if (!ledger.anyStale()) return { ...emptyReport('nothing-stale', 'no stale entities'), performed: true };
    }
    // Listing again with `before` leaves out whatever live events wrote during the resync.
    let ownedBefore = 0;
    const stale = new Map<string, { blueprint: string; identifier: string; relations: PortEntity['relations'] }>();
    try {
      for await (const page of listOwnedEntities(requestCounter.client, integration, { before: startedAt, ...pageSizeOption(), lane: 'resync', ...signalOption })) {
        for (const entity of page) {
          ownedBefore += 1;
          const key = refKey(entity.blueprint, entity.identifier);
          if (!ledger.isProduced(key)) {
            // Relations only order deletions when Port does not cascade them; otherwise a mass
            // deletion would keep every stale entity's relations object alive for nothing.
            const relations = mapping.deleteDependentEntities ? undefined : (entity.relations as PortEntity['relations']);
            stale.set(key, { blueprint: entity.blueprint, identifier: entity.identifier, relations });
          }
        }
      }
    } catch (error) {
      if (options.signal?.aborted) throw error;
      logger.warn({ err: describeError(error) }, 'Could not list owned entities for reconciliation; deleting nothing');
      return emptyReport('state-unknown', 'the entities Port holds for this integration could not be listed');
    }
    // The threshold's denominator is what the integration owned when the resync began. Ocean
    // divides by the `before` listing, which leaves out every entity the resync rewrote, so a
    // resync that updates most entities and drops a few is refused as a "mass deletion".
    const denominator = listed ? Math.max(ownedAtStart, ownedBefore) : ownedBefore;
    const verdict = decideDeletion({ kindErrors: [], stateKnown: true, aborted: false, ownedBefore: denominator, stale: stale.size, threshold: mapping.entityDeletionThreshold });
    const report: ReconciliationReport = {
      performed: verdict.allowed || verdict.reason === 'nothing-stale',
      verdict: verdict.allowed ? 'allowed' : verdict.reason,
      detail: verdict.allowed ? `${stale.size} of ${denominator} owned entities are stale` : verdict.detail,
      ownedBefore: denominator,
      stale: stale.size,
      protected: 0,
      deleted: 0,
      deleteFailed: 0,
      deletedByBlueprint: {},
    };
    if (!verdict.allowed) {
      if (verdict.reason === 'threshold') logger.warn({ ownedBefore: denominator, stale: stale.size, threshold: mapping.entityDeletionThreshold ?? 0.9 }, verdict.detail);
      return report;
    }
    if (mapping.createMissingRelatedEntities) report.protected = await protectRelationTargets(stale);
    await deleteStale([...stale.values()], report);
    return report;
  }

  /** Removes from `stale` every entity a produced entity relates to (Ocean 5.8 step 4). */
  async function protectRelationTargets(stale: Map<string, { blueprint: string; identifier: string }>): Promise<number> {
    let protectedCount = 0;
    const targetBlueprints = new Map<string, Promise<Record<string, string> | undefined>>();
    for (const [key, targets] of relationTargets) {
      const { blueprint, identifier: relation } = parseRefKey(key);
      let relations = targetBlueprints.get(blueprint);
      if (relations === undefined) targetBlueprints.set(blueprint, (relations = relationTargetsOf(blueprint)));
      const target = (await relations)?.[relation];
      for (const identifier of targets) {
        // Blueprint unknown (lookup failed): protect the identifier in every blueprint.
        const candidates = target === undefined ? [...stale.keys()].filter((k) => parseRefKey(k).identifier === identifier) : [refKey(target, identifier)];
        for (const candidate of candidates) if (stale.delete(candidate)) protectedCount += 1;
      }
    }
    if (protectedCount > 0) logger.info({ protected: protectedCount }, 'Kept stale entities that kept entities relate to');
    return protectedCount;
  }

  async function relationTargetsOf(blueprint: string): Promise<Record<string, string> | undefined> {
    try {
      const found = await readBlueprint(requestCounter.client, integration, blueprint, { lane: 'resync', ...signalOption });
      if (found === undefined) throw new Error(`Port has no blueprint "${blueprint}"`);
      const out: Record<string, string> = {};
      for (const [name, relation] of Object.entries(found.relations ?? {})) {
        if (typeof relation?.target === 'string') out[name] = relation.target;
      }
      return out;
    } catch (error) {
      if (options.signal?.aborted) throw error;
      logger.warn({ blueprint, err: describeError(error) }, 'Could not read a blueprint to resolve relation targets; protecting by identifier');
      return undefined;
    }
  }

  async function deleteStale(stale: { blueprint: string; identifier: string; relations: PortEntity['relations'] }[], report: ReconciliationReport): Promise<void> {
    const rounds: (typeof stale)[] = [];
    if (mapping.deleteDependentEntities) {
      rounds.push(stale);
    } else {
      // Without cascading, an entity can go only once nothing points at it: dependents first.
      const order = orderByRelations(stale);
      rounds.push(...order.layers.reverse(), ...order.cyclic.map((entity) => [entity]));
    }
    for (const round of rounds) {
      const byBlueprint = new Map<string, string[]>();
      for (const entity of round) {
        let ids = byBlueprint.get(entity.blueprint);
        if (ids === undefined) byBlueprint.set(entity.blueprint, (ids = []));
        ids.push(entity.identifier);
      }
      await Promise.all(
        [...byBlueprint].map(async ([blueprint, ids]) => {
          const result = await bulkDelete(requestCounter.client, integration, blueprint, ids, {
            deleteDependents: mapping.deleteDependentEntities,
            lane: 'resync',
            ...signalOption,
          });
          report.deleted += result.deleted.length;
          if (result.deleted.length > 0) report.deletedByBlueprint[blueprint] = (report.deletedByBlueprint[blueprint] ?? 0) + result.deleted.length;
          report.deleteFailed += result.failed.length;
          if (result.deleted.length > 0) logger.info({ blueprint, identifiers: result.deleted, count: result.deleted.length }, 'Deleted stale entities');
          for (const failure of result.failed) logger.warn({ blueprint, identifier: failure.identifier, reason: failure.message }, 'Could not delete a stale entity');
        }),
      );
    }
  }
}

function emptyReport(verdict: ReconciliationReport['verdict'], detail: string): ReconciliationReport {
  return { performed: false, verdict, detail, ownedBefore: 0, stale: 0, protected: 0, deleted: 0, deleteFailed: 0, deletedByBlueprint: {} };
}

/** Wraps the client to count this session's logical requests. */
function countingClient(client: PortClient): { client: PortClient; count(): number } {
  let count = 0;
  return {
    client: {
      baseUrl: client.baseUrl,
      close: () => client.close(),
      request(request) {
        count += 1;
        return client.request(request);
      },
    },
    count: () => count,
  };
}
