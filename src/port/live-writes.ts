import { chunk } from './bulk-batches.js';
import { bulkDelete } from './bulk-delete.js';
import { bulkUpsert, type UpsertOutcome } from './bulk-upsert.js';
import type { EntityRef, PortEntity } from './entity.js';
import type { MappingOptions } from './ingestion-session.js';
import type { PortClient } from './port-client.js';
import { orderByRelations } from './relation-order.js';
import { ownershipScope, type IntegrationIdentity } from './user-agent.js';

/**
 * Writes for live events: a few entities, now, in the budget's live lane so a resync of another
 * integration (or of this one) does not hold them up.
 */
export async function upsertLiveEntities(
  client: PortClient,
  integration: IntegrationIdentity,
  entities: readonly PortEntity[],
  mapping: MappingOptions = {},
  options: { signal?: AbortSignal } = {},
): Promise<UpsertOutcome[]> {
  const flags = { merge: mapping.enableMergeEntity ?? true, createMissingRelatedEntities: mapping.createMissingRelatedEntities ?? true };
  const send = async (group: readonly PortEntity[]): Promise<UpsertOutcome[]> => {
    const byBlueprint = new Map<string, PortEntity[]>();
    for (const entity of group) {
      let list = byBlueprint.get(entity.blueprint);
      if (list === undefined) byBlueprint.set(entity.blueprint, (list = []));
      list.push(entity);
    }
    const results = await Promise.all(
      [...byBlueprint].map(([blueprint, list]) => bulkUpsert(client, integration, blueprint, list, flags, { lane: 'live', ...(options.signal === undefined ? {} : { signal: options.signal }) })),
    );
    return results.flat();
  };
  const outcomes = await send(entities);
  const waiting = outcomes.filter((outcome) => outcome.status === 'missing-related').map((outcome) => outcome.entity);
  if (waiting.length === 0) return outcomes;
  // Entities of the same event may relate to each other: retry the refused ones targets-first.
  const settled: UpsertOutcome[] = outcomes.filter((outcome) => outcome.status !== 'missing-related');
  const order = orderByRelations(waiting);
  for (const round of [...order.layers, ...order.cyclic.map((entity) => [entity])]) settled.push(...(await send(round)));
  return settled;
}

/** Port's entity-search query that matches exactly these references among this integration's entities. */
export function ownedEntitiesQuery(integration: Pick<IntegrationIdentity, 'identifier' | 'type'>, refs: readonly EntityRef[]): Record<string, unknown> {
  const scope = ownershipScope(integration);
  return {
    combinator: 'and',
    rules: [
      {
        combinator: 'or',
        rules: refs.map((ref) => ({
          combinator: 'and',
          rules: [
            { property: '$identifier', operator: '=', value: ref.identifier },
            { property: '$blueprint', operator: '=', value: ref.blueprint },
          ],
        })),
      },
      { property: '$datasource', operator: 'contains', value: scope.prefix },
      { property: '$datasource', operator: 'contains', value: scope.suffix },
    ],
  };
}

/**
 * Deletes entities a live event reports gone, but only those that exist and this integration
 * owns: an entity another integration (or a person) wrote is never touched. An empty list sends
 * nothing; an empty `or` would be a query Port might read as "everything".
 */
export async function deleteOwnedEntities(
  client: PortClient,
  integration: IntegrationIdentity,
  refs: readonly EntityRef[],
  options: { deleteDependents?: boolean; signal?: AbortSignal } = {},
): Promise<{ deleted: EntityRef[]; notOwned: EntityRef[]; failed: (EntityRef & { message: string })[] }> {
  const signalOption = options.signal === undefined ? {} : { signal: options.signal };
  const owned = new Map<string, string[]>();
  const ownedKeys = new Set<string>();
  for (const group of chunk(refs, 100)) {
    const response = await client.request<{ entities?: { identifier?: unknown; blueprint?: unknown }[] }>({
      method: 'POST',
      path: '/v1/entities/search',
      query: { exclude_calculated_properties: true, include: ['identifier', 'blueprint'] },
      body: ownedEntitiesQuery(integration, group),
      integration,
      userAgent: 'entity',
      retry: 'idempotent',
      lane: 'live',
      ...signalOption,
    });
    const wanted = new Set(group.map((ref) => `${ref.blueprint}\u0000${ref.identifier}`));
    for (const entity of response.body.entities ?? []) {
      if (typeof entity.identifier !== 'string' || typeof entity.blueprint !== 'string') continue;
      const key = `${entity.blueprint}\u0000${entity.identifier}`;
      if (!wanted.has(key) || ownedKeys.has(key)) continue;
      ownedKeys.add(key);
      let ids = owned.get(entity.blueprint);
      if (ids === undefined) owned.set(entity.blueprint, (ids = []));
      ids.push(entity.identifier);
    }
  }
  const deleted: EntityRef[] = [];
  const failed: (EntityRef & { message: string })[] = [];
  await Promise.all(
    [...owned].map(async ([blueprint, identifiers]) => {
      const result = await bulkDelete(client, integration, blueprint, identifiers, { deleteDependents: options.deleteDependents ?? true, lane: 'live', ...signalOption });
      for (const identifier of result.deleted) deleted.push({ blueprint, identifier });
      for (const failure of result.failed) failed.push({ blueprint, identifier: failure.identifier, message: failure.message });
    }),
  );
  const notOwned = refs.filter((ref) => !ownedKeys.has(`${ref.blueprint}\u0000${ref.identifier}`));
  return { deleted, notOwned, failed };
}
