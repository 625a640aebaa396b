import type { PortClient } from './port-client.js';
import { ownershipScope, type IntegrationIdentity, type UserAgentFeature } from './user-agent.js';

/** An entity as Port lists it (full JSON, meta fields included). */
export type ListedEntity = Record<string, unknown> & { identifier: string; blueprint: string };

export interface OwnedEntitiesOptions {
  /** Only entities last written before this instant (the resync's start). */
  before?: Date;
  /** @default 5000 (Ocean's figure; bounds the memory of one page) */
  pageSize?: number;
  feature?: UserAgentFeature;
  lane?: 'live' | 'resync';
  signal?: AbortSignal;
}

/**
 * Pages through every entity this integration owns, in any blueprint, with Port's datasource
 * listing (`datasource-entities`: datasource starts with `port-ocean/<type>/` and ends with
 * `/<identifier>/exporter`). One request per page of 5,000.
 */
export async function* listOwnedEntities(client: PortClient, integration: IntegrationIdentity, options: OwnedEntitiesOptions = {}): AsyncGenerator<ListedEntity[]> {
  const scope = ownershipScope(integration, options.feature);
  let from: string | undefined;
  do {
    const response = await client.request<{ entities?: unknown; next?: unknown }>({
      method: 'POST',
      path: '/v1/blueprints/entities/datasource-entities',
      body: {
        datasource_prefix: scope.prefix,
        datasource_suffix: scope.suffix,
        limit: options.pageSize ?? 5000,
        ...(options.before === undefined ? {} : { before: options.before.toISOString() }),
        ...(from === undefined ? {} : { from }),
      },
      integration,
      userAgent: 'entity',
      retry: 'idempotent',
      ...(options.lane === undefined ? {} : { lane: options.lane }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    const entities = Array.isArray(response.body.entities) ? (response.body.entities as unknown[]) : [];
    yield entities.filter(
      (entity): entity is ListedEntity =>
        typeof entity === 'object' && entity !== null && typeof (entity as ListedEntity).identifier === 'string' && typeof (entity as ListedEntity).blueprint === 'string',
    );
    from = typeof response.body.next === 'string' && response.body.next !== '' ? response.body.next : undefined;
  } while (from !== undefined);
}
