import { describeError } from '../errors.js';
import { planBatches } from './bulk-batches.js';
import type { PortEntity } from './entity.js';
import { PortHttpError, type PortClient } from './port-client.js';
import type { IntegrationIdentity } from './user-agent.js';

/** What happened to one entity of a bulk upsert. */
export type UpsertOutcome =
  | { status: 'upserted'; entity: PortEntity; identifier: string; created: boolean }
  /** Port refused it because a related entity does not exist (404 not_found). */
  | { status: 'missing-related'; entity: PortEntity; message: string }
  /** Its search-query identifier matched no entity (`identifier: "unknown"`); nothing to do. */
  | { status: 'unresolved'; entity: PortEntity; message: string }
  | { status: 'failed'; entity: PortEntity; statusCode: number | undefined; error: string; message: string };

export interface UpsertFlags {
  /** Port's `merge`: update only the given keys. */
  merge: boolean;
  /** Port's `create_missing_related_entities`. */
  createMissingRelatedEntities: boolean;
}

export interface BulkUpsertOptions {
  lane?: 'live' | 'resync';
  signal?: AbortSignal;
  /** @default 20 */
  maxEntities?: number;
  /** @default 1 MiB */
  maxBytes?: number;
}

interface BulkAnswer {
  entities?: { index?: unknown; identifier?: unknown; created?: unknown }[];
  errors?: { index?: unknown; identifier?: unknown; statusCode?: unknown; error?: unknown; message?: unknown }[];
}

/**
 * Upserts entities of one blueprint through the bulk route, batch by batch (all batches in
 * flight at once; the rate budget decides how many actually run). Results are matched by
 * `index`, the only reliable key when identifiers are search queries. A 413 splits the batch in
 * halves until it fits; any other final failure marks the batch's entities failed.
 */
export async function bulkUpsert(
  client: PortClient,
  integration: IntegrationIdentity,
  blueprint: string,
  entities: readonly PortEntity[],
  flags: UpsertFlags,
  options: BulkUpsertOptions = {},
): Promise<UpsertOutcome[]> {
  const plan = planBatches(entities, options.maxEntities, options.maxBytes);
  const outcomes: UpsertOutcome[] = plan.oversized.map((entity) => ({
    status: 'failed',
    entity,
    statusCode: 413,
    error: 'request_too_large',
    message: `The entity alone is larger than Port's 1 MiB request limit (${Buffer.byteLength(JSON.stringify(entity))} bytes)`,
  }));
  const results = await Promise.all(plan.batches.map((batch) => sendBatch(batch)));
  for (const result of results) outcomes.push(...result);
  return outcomes;

  async function sendBatch(batch: PortEntity[]): Promise<UpsertOutcome[]> {
    let answer: { status: number; body: BulkAnswer };
    try {
      answer = await client.request<BulkAnswer>({
        method: 'POST',
        path: `/v1/blueprints/${encodeURIComponent(blueprint)}/entities/bulk`,
        query: { upsert: true, merge: flags.merge, create_missing_related_entities: flags.createMissingRelatedEntities, validation_only: false },
        body: { entities: batch },
        integration,
        userAgent: 'entity',
        retry: 'idempotent',
        accept: [413],
        ...(options.lane === undefined ? {} : { lane: options.lane }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      const statusCode = error instanceof PortHttpError ? error.status : undefined;
      return batch.map((entity) => ({ status: 'failed', entity, statusCode, error: 'request_failed', message: describeError(error) }));
    }
    if (answer.status === 413) {
      if (batch.length === 1) {
        return [{ status: 'failed', entity: batch[0]!, statusCode: 413, error: 'request_too_large', message: 'Port refused the entity as too large (413)' }];
      }
      const middle = Math.ceil(batch.length / 2);
      const halves = await Promise.all([sendBatch(batch.slice(0, middle)), sendBatch(batch.slice(middle))]);
      return halves.flat();
    }
    return readAnswer(batch, answer.body);
  }
}

function readAnswer(batch: PortEntity[], body: BulkAnswer): UpsertOutcome[] {
  const outcomes = new Array<UpsertOutcome | undefined>(batch.length);
  for (const item of Array.isArray(body.entities) ? body.entities : []) {
    const index = item.index;
    if (typeof index !== 'number' || batch[index] === undefined) continue;
    const entity = batch[index]!;
    const identifier = typeof item.identifier === 'string' ? item.identifier : typeof entity.identifier === 'string' ? entity.identifier : undefined;
    if (identifier === undefined) continue;
    outcomes[index] = { status: 'upserted', entity, identifier, created: item.created === true };
  }
  for (const item of Array.isArray(body.errors) ? body.errors : []) {
    const index = item.index;
    if (typeof index !== 'number' || batch[index] === undefined) continue;
    const entity = batch[index]!;
    const statusCode = typeof item.statusCode === 'number' ? item.statusCode : undefined;
    const error = typeof item.error === 'string' ? item.error : 'unknown_error';
    const message = typeof item.message === 'string' ? item.message : error;
    if (item.identifier === 'unknown' && typeof entity.identifier !== 'string') outcomes[index] = { status: 'unresolved', entity, message };
    else if (statusCode === 404 && error === 'not_found') outcomes[index] = { status: 'missing-related', entity, message };
    else outcomes[index] = { status: 'failed', entity, statusCode, error, message };
  }
  // An index Port did not mention at all is a failure, never a silent success.
  return batch.map(
    (entity, index) => outcomes[index] ?? { status: 'failed', entity, statusCode: undefined, error: 'no_result', message: `Port's bulk answer has no result for index ${index}` },
  );
}
