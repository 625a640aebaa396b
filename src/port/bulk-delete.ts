import { describeError } from '../errors.js';
import { chunk } from './bulk-batches.js';
import type { PortClient } from './port-client.js';
import type { IntegrationIdentity } from './user-agent.js';

/** Port's bulk-delete limit: 100 identifiers per request, one blueprint. */
export const BULK_DELETE_MAX = 100;

export interface BulkDeleteOptions {
  /** Port's `delete_dependents`: also delete entities that relate to these. */
  deleteDependents: boolean;
  /**
   * When a whole batch is refused (with `delete_dependents=false` one entity that still has
   * dependents fails the entire call), retry its identifiers one at a time so the others go.
   * @default true
   */
  singlesOnBatchFailure?: boolean;
  lane?: 'live' | 'resync';
  signal?: AbortSignal;
}

export interface BulkDeleteResult {
  /** Identifiers Port reports as deleted. */
  deleted: string[];
  failed: { identifier: string; message: string }[];
}

/** Deletes entities of one blueprint, 100 per request, all requests in flight at once. */
export async function bulkDelete(
  client: PortClient,
  integration: IntegrationIdentity,
  blueprint: string,
  identifiers: readonly string[],
  options: BulkDeleteOptions,
): Promise<BulkDeleteResult> {
  const result: BulkDeleteResult = { deleted: [], failed: [] };
  await Promise.all(
    chunk(identifiers, BULK_DELETE_MAX).map(async (ids) => {
      try {
        result.deleted.push(...(await send(ids)));
      } catch (error) {
        if (options.signal?.aborted) throw error;
        if (ids.length > 1 && options.singlesOnBatchFailure !== false) {
          await Promise.all(
            ids.map(async (id) => {
              try {
                result.deleted.push(...(await send([id])));
              } catch (singleError) {
                if (options.signal?.aborted) throw singleError;
                result.failed.push({ identifier: id, message: describeError(singleError) });
              }
            }),
          );
        } else {
          for (const id of ids) result.failed.push({ identifier: id, message: describeError(error) });
        }
      }
    }),
  );
  return result;

  async function send(ids: string[]): Promise<string[]> {
    const response = await client.request<{ deletedEntities?: unknown }>({
      method: 'POST',
      path: `/v1/blueprints/${encodeURIComponent(blueprint)}/bulk/entities/delete`,
      query: { delete_dependents: options.deleteDependents },
      body: { entities: ids },
      integration,
      userAgent: 'entity',
      retry: 'idempotent',
      ...(options.lane === undefined ? {} : { lane: options.lane }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    const reported = response.body.deletedEntities;
    // Port lists what it removed; an id it does not list was already gone, which is the goal.
    return Array.isArray(reported) ? reported.filter((id): id is string => typeof id === 'string') : ids;
  }
}
