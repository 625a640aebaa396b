import { MarinaError } from '../errors.js';
import type { MappingEngine, MisconfiguredField, PortAppConfig, ResourceConfig } from '../mapping/index.js';
import { deleteOwnedEntities, refKey, upsertLiveEntities, type EntityRef, type IntegrationIdentity, type PortClient, type PortEntity, type UpsertOutcome } from '../port/index.js';
import type { RawRecord } from '../sdk/index.js';

/** What one processor returned for one resource block of the mapping. */
export interface BlockResult {
  resource: ResourceConfig;
  resourceIndex: number;
  updated: readonly RawRecord[];
  deleted: readonly RawRecord[];
}

export interface AppliedResults {
  upserted: EntityRef[];
  deleted: EntityRef[];
  /** Removal candidates that Port does not hold or another owner wrote; left alone. */
  notOwned: EntityRef[];
  /** Records the mapping could not judge (not an object, a selector that is not boolean). */
  problems: string[];
}

/** Fields the mapping left null in one resource block's updated records. */
export interface MisconfiguredBlock {
  resource: ResourceConfig;
  resourceIndex: number;
  fields: Record<string, MisconfiguredField>;
}

export interface ApplyDependencies {
  engine: MappingEngine;
  client: PortClient;
  integration: IntegrationIdentity;
  mapping: Pick<PortAppConfig, 'deleteDependentEntities' | 'createMissingRelatedEntities' | 'enableMergeEntity'>;
  signal?: AbortSignal;
  /** Sends the upserts (an `UpsertCoalescer` shares requests between events). @default upsertLiveEntities */
  upsert?: (entities: PortEntity[]) => Promise<UpsertOutcome[]>;
  /**
   * Told, once everything is mapped and before anything is written, which fields came out null
   * in updated records (deleted records are not judged: a tombstone carries little but its id).
   * Not called when nothing is misconfigured.
   */
  onMisconfigured?: (blocks: MisconfiguredBlock[]) => void;
}

/** A mapped entity's place in Port, when both parts are literal strings (a search-query identifier names no single entity). */
function refOf(entity: { identifier: unknown; blueprint: unknown }): EntityRef | undefined {
  return typeof entity.identifier === 'string' && entity.identifier !== '' && typeof entity.blueprint === 'string' && entity.blueprint !== ''
    ? { blueprint: entity.blueprint, identifier: entity.identifier }
    : undefined;
}

/**
 * Writes a live event's results to Port with Ocean's semantics (ocean-behavior.md §7.4):
 * updated records are mapped with `parseAll`; those passing the selector are upserted, those
 * failing it become removal candidates. Deleted records are removal candidates whether or not
 * they pass the selector: a tombstone often lacks the fields the selector reads, and Ocean
 * (which only takes the passing ones) then silently keeps the stale entity (issue #3827).
 * A candidate that is also upserted by the same event is kept; the others are deleted if they
 * exist in Port and this integration owns them.
 * @throws MarinaError `LIVE_EVENT_FAILED` when Port refused some entities (retryable when Port
 * failed rather than judged), or the Port client's error when Port could not be reached.
 */
export async function applyLiveResults(results: readonly BlockResult[], deps: ApplyDependencies): Promise<AppliedResults> {
  const toUpsert: PortEntity[] = [];
  const upsertKeys = new Set<string>();
  const candidates = new Map<string, EntityRef>();
  const problems: string[] = [];
  const misconfigured: MisconfiguredBlock[] = [];
  const note = (kind: string, which: string, mapped: { itemErrors: { index: number; message: string }[] }): void => {
    for (const error of mapped.itemErrors) problems.push(`${kind}: ${which} record ${error.index}: ${error.message}`);
  };
  for (const result of results) {
    if (result.updated.length > 0) {
      const mapped = await deps.engine.mapPage(result.resource, result.updated, { parseAll: true });
      note(result.resource.kind, 'updated', mapped);
      if (Object.keys(mapped.misconfiguredFields).length > 0) misconfigured.push({ resource: result.resource, resourceIndex: result.resourceIndex, fields: mapped.misconfiguredFields });
      for (const entity of mapped.passed) {
        const ref = refOf(entity);
        if (ref !== undefined) upsertKeys.add(refKey(ref.blueprint, ref.identifier));
        toUpsert.push(entity as PortEntity);
      }
      for (const entity of mapped.failed) {
        const ref = refOf(entity);
        if (ref !== undefined) candidates.set(refKey(ref.blueprint, ref.identifier), ref);
      }
    }
    if (result.deleted.length > 0) {
      const mapped = await deps.engine.mapPage(result.resource, result.deleted, { parseAll: true });
      note(result.resource.kind, 'deleted', mapped);
      for (const entity of [...mapped.passed, ...mapped.failed]) {
        const ref = refOf(entity);
        if (ref !== undefined) candidates.set(refKey(ref.blueprint, ref.identifier), ref);
      }
    }
  }
  if (misconfigured.length > 0) deps.onMisconfigured?.(misconfigured);
  const removals = [...candidates].filter(([key]) => !upsertKeys.has(key)).map(([, ref]) => ref);
  const signal = deps.signal === undefined ? {} : { signal: deps.signal };

  const upsert = deps.upsert ?? ((entities: PortEntity[]) => upsertLiveEntities(deps.client, deps.integration, entities, deps.mapping, signal));
  const outcomes = toUpsert.length === 0 ? [] : await upsert(toUpsert);
  const refused = outcomes.filter((outcome) => outcome.status === 'failed' || outcome.status === 'missing-related');
  const removed = removals.length === 0 ? { deleted: [], notOwned: [], failed: [] } : await deleteOwnedEntities(deps.client, deps.integration, removals, { deleteDependents: deps.mapping.deleteDependentEntities, ...signal });

  if (refused.length > 0 || removed.failed.length > 0) {
    const problems = [
      ...refused.map((outcome) => `upsert of ${JSON.stringify(outcome.entity.identifier)} (${outcome.entity.blueprint}): ${outcome.message}`),
      ...removed.failed.map((failure) => `delete of "${failure.identifier}" (${failure.blueprint}): ${failure.message}`),
    ];
    // Port down or overloaded (after the client's own retries) is worth another try later;
    // an entity Port judged invalid is not.
    const transient = refused.some((outcome) => outcome.status === 'failed' && (outcome.error === 'request_failed' || outcome.statusCode === undefined || outcome.statusCode >= 500 || outcome.statusCode === 429));
    throw new MarinaError('LIVE_EVENT_FAILED', `Port refused ${problems.length} entit${problems.length === 1 ? 'y' : 'ies'}: ${problems.slice(0, 5).join('; ')}`, {
      retryable: transient,
      details: { integration: deps.integration.identifier, problems: problems.slice(0, 20) },
    });
  }
  const upserted: EntityRef[] = [];
  for (const outcome of outcomes) if (outcome.status === 'upserted') upserted.push({ blueprint: outcome.entity.blueprint, identifier: outcome.identifier });
  return { upserted, deleted: removed.deleted, notOwned: removed.notOwned, problems };
}
