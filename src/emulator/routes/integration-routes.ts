import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { EmulatorContext } from '../context.js';
import { isPlainObject } from '../identifiers.js';
import { identifierTaken, invalidRequest, notFound } from '../port-error.js';
import { recordKey, type StoreOp } from '../state.js';
import type { Integration } from '../types.js';
import type { Query } from './query.js';

type IdParams = { id: string };

const PATCHABLE = new Set([
  'installationAppType', 'config', 'arePortResourcesInitialized', 'actionsProcessingEnabled', 'incrementalSyncEnabled',
  'changelogDestination', 'processingMode', 'version', 'title', 'createPortResourcesOrigin',
]);
const RESYNC_STATUSES = new Set(['running', 'completed', 'failed', 'aborted']);

/** The integration as Port returns it; ingest URLs point back at this emulator. */
export function integrationJson(integration: Integration, baseUrl: string): Record<string, unknown> {
  const ingestId = integration['_ingestId'] as string;
  const { _ingestId: _hidden, ...visible } = integration;
  return {
    ...visible,
    logAttributes: { ingestId, ingestUrl: `${baseUrl}/v1/ingest/logs/${ingestId}` },
    metricAttributes: { ingestId, ingestUrl: `${baseUrl}/v1/ingest/metrics/${ingestId}` },
    ingestAttributes: { ingestUrl: `${baseUrl}/v1/ingest/lake/${ingestId}` },
  };
}

function readBody(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (!isPlainObject(body)) throw invalidRequest('body must be a JSON object');
  return body;
}

export function registerIntegrationRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const state = () => ctx.persistence.state;
  const find = (id: string): Integration => {
    const integration = state().integrations.get(id);
    if (integration === undefined) throw notFound(`integration "${id}" does not exist`);
    return integration;
  };
  const byIngestId = (ingestId: string): Integration => {
    for (const integration of state().integrations.values()) if (integration['_ingestId'] === ingestId) return integration;
    throw notFound(`no integration has ingest id "${ingestId}"`);
  };
  const reply = (integration: Integration) => ({ ok: true, integration: integrationJson(integration, ctx.baseUrl()) });
  const resyncRequestOp = (id: string): StoreOp => ({
    op: 'record.set', channel: 'resync-request', key: id, values: [{ id: randomUUID(), updatedAt: ctx.now().toISOString() }],
  });

  app.get('/v1/integration/provision-enabled', async () => ({ ok: true, integrations: [] }));

  app.get<{ Params: IdParams }>('/v1/integration/:id', async (request) => reply(find(request.params.id)));

  app.post<{ Querystring: Query }>('/v1/integration', async (request, res) => {
    const body = readBody(request.body);
    const id = body['installationId'] ?? body['identifier'];
    if (typeof id !== 'string' || id === '') throw invalidRequest('body/installationId must be a non-empty string');
    if (typeof body['installationAppType'] !== 'string') throw invalidRequest('body/installationAppType must be a string');
    if (body['config'] !== undefined && !isPlainObject(body['config'])) throw invalidRequest('body/config must be an object');
    if (state().integrations.has(id)) throw identifierTaken(`integration "${id}" already exists`);
    const now = ctx.now().toISOString();
    const actor = ctx.actorOf(request);
    const integration: Integration = {
      _id: randomUUID(),
      _orgId: ctx.organizationId,
      _ingestId: randomUUID().replaceAll('-', ''),
      identifier: id,
      installationId: id,
      installationAppType: body['installationAppType'],
      installationType: 'OnPrem',
      title: typeof body['title'] === 'string' ? body['title'] : id,
      version: body['version'] ?? null,
      config: body['config'] ?? {},
      changelogDestination: body['changelogDestination'] ?? null,
      actionsProcessingEnabled: body['actionsProcessingEnabled'] === true,
      incrementalSyncEnabled: body['incrementalSyncEnabled'] === true,
      createPortResourcesOrigin: body['createPortResourcesOrigin'] ?? 'Empty',
      arePortResourcesInitialized: false,
      processingMode: 'ocean-core',
      resyncState: { status: null, lastResyncStart: null, lastResyncEnd: null, nextResync: null, intervalInMinuets: null, updatedAt: now },
      clientId: actor,
      createdAt: now,
      createdBy: actor,
      updatedAt: now,
      updatedBy: actor,
    };
    ctx.persistence.commit([{ op: 'integration.put', integration }]);
    return res.code(201).send(reply(integration));
  });

  app.patch<{ Params: IdParams }>('/v1/integration/:id', async (request) => {
    const existing = find(request.params.id);
    const body = readBody(request.body);
    for (const key of Object.keys(body)) if (!PATCHABLE.has(key)) throw invalidRequest(`body/${key} cannot be patched`);
    if (body['config'] !== undefined && !isPlainObject(body['config'])) throw invalidRequest('body/config must be an object');
    const integration: Integration = { ...existing, ...body, updatedAt: ctx.now().toISOString(), updatedBy: ctx.actorOf(request) };
    const ops: StoreOp[] = [{ op: 'integration.put', integration }];
    // Port documents that an empty PATCH asks the integration to resync.
    if (Object.keys(body).length === 0) ops.push(resyncRequestOp(existing.identifier));
    ctx.persistence.commit(ops);
    return reply(integration);
  });

  app.patch<{ Params: IdParams }>('/v1/integration/:id/config', async (request) => {
    const existing = find(request.params.id);
    const body = readBody(request.body);
    if (!isPlainObject(body['config'])) throw invalidRequest('body/config must be an object (the port-app-config)');
    const integration: Integration = { ...existing, config: body['config'], updatedAt: ctx.now().toISOString(), updatedBy: ctx.actorOf(request) };
    const ops: StoreOp[] = [{ op: 'integration.put', integration }];
    if (request.headers['x-skip-resync'] !== 'true') ops.push(resyncRequestOp(existing.identifier));
    ctx.persistence.commit(ops);
    return reply(integration);
  });

  app.patch<{ Params: IdParams }>('/v1/integration/:id/resync-state', async (request) => {
    const existing = find(request.params.id);
    const body = readBody(request.body);
    if (body['status'] !== undefined && (typeof body['status'] !== 'string' || !RESYNC_STATUSES.has(body['status']))) {
      throw invalidRequest(`body/status must be one of ${[...RESYNC_STATUSES].join(', ')}`);
    }
    const resyncState = { ...(existing['resyncState'] as Record<string, unknown>), ...body, updatedAt: ctx.now().toISOString() };
    const integration: Integration = { ...existing, resyncState };
    ctx.persistence.commit([{ op: 'integration.put', integration }]);
    return reply(integration);
  });

  app.get<{ Params: IdParams }>('/v1/integration/:id/resync-request', async (request) => {
    find(request.params.id);
    const values = state().records.get(recordKey('resync-request', request.params.id)) ?? [];
    return { ok: true, request: values[values.length - 1] ?? null };
  });

  app.post<{ Params: IdParams & { kind: string } }>('/v1/integration/:id/kinds/:kind/examples', async (request) => {
    find(request.params.id);
    const body = readBody(request.body);
    if (!Array.isArray(body['examples'])) throw invalidRequest('body/examples must be an array');
    ctx.persistence.commit([{ op: 'record.set', channel: 'examples', key: `${request.params.id}\u0000${request.params.kind}`, values: body['examples'] }]);
    return { ok: true };
  });

  app.delete<{ Params: IdParams }>('/v1/integration/:id', async (request) => {
    find(request.params.id);
    ctx.persistence.commit([{ op: 'integration.delete', identifier: request.params.id }]);
    return { ok: true };
  });

  const cursorKey = (id: string, query: Query) => `${id}\u0000${String(query['kind'] ?? '')}\u0000${String(query['index'] ?? '0')}`;
  app.get<{ Params: IdParams; Querystring: Query }>('/v1/integration/:id/cursor', async (request) => {
    find(request.params.id);
    const values = state().records.get(recordKey('cursor', cursorKey(request.params.id, request.query)));
    return { ok: true, cursor: values?.[0] ?? null };
  });
  for (const method of ['put', 'post'] as const) {
    app[method]<{ Params: IdParams; Querystring: Query }>('/v1/integration/:id/cursor', async (request) => {
      find(request.params.id);
      const key = cursorKey(request.params.id, request.query);
      if (method === 'put' && !state().records.has(recordKey('cursor', key))) throw notFound('no cursor exists for this kind and index; create it with POST');
      const body = readBody(request.body);
      ctx.persistence.commit([{ op: 'record.set', channel: 'cursor', key, values: [body] }]);
      return { ok: true, cursor: body };
    });
  }

  // Sinks behind the integration's logAttributes / metricAttributes ingest URLs.
  app.post<{ Params: { ingestId: string } }>('/v1/ingest/logs/:ingestId', async (request) => {
    const integration = byIngestId(request.params.ingestId);
    const body = readBody(request.body);
    if (!Array.isArray(body['logs'])) throw invalidRequest('body/logs must be an array');
    ctx.persistence.commit([{ op: 'record.append', channel: 'logs', key: integration.identifier, values: body['logs'] }]);
    return { ok: true };
  });
  for (const method of ['post', 'put'] as const) {
    app[method]<{ Params: { ingestId: string } }>('/v1/ingest/metrics/:ingestId/syncMetrics', async (request) => {
      const integration = byIngestId(request.params.ingestId);
      const body = readBody(request.body);
      if (!Array.isArray(body['syncKindsMetrics'])) throw invalidRequest('body/syncKindsMetrics must be an array');
      ctx.persistence.commit([{ op: 'record.append', channel: 'metrics', key: integration.identifier, values: body['syncKindsMetrics'] }]);
      return { ok: true };
    });
  }
  app.put<{ Params: { ingestId: string; eventId: string; kind: string } }>('/v1/ingest/metrics/:ingestId/syncMetrics/resync/:eventId/kind/:kind', async (request) => {
    const integration = byIngestId(request.params.ingestId);
    const body = readBody(request.body);
    if (!isPlainObject(body['syncKindMetrics'])) throw invalidRequest('body/syncKindMetrics must be an object');
    ctx.persistence.commit([{ op: 'record.append', channel: 'metrics', key: integration.identifier, values: [body['syncKindMetrics']] }]);
    return { ok: true };
  });
  app.post<{ Params: { ingestId: string } }>('/v1/ingest/metrics/:ingestId/heartbeat', async (request) => {
    const integration = byIngestId(request.params.ingestId);
    const body = readBody(request.body);
    ctx.persistence.commit([{ op: 'record.set', channel: 'heartbeat', key: integration.identifier, values: [{ ...body, at: ctx.now().toISOString() }] }]);
    return { ok: true };
  });

  app.get<{ Params: IdParams }>('/v1/integration/:id/logs', async (request) => {
    find(request.params.id);
    return { ok: true, logs: state().records.get(recordKey('logs', request.params.id)) ?? [] };
  });
  app.get<{ Params: IdParams }>('/v1/integration/:id/syncMetrics', async (request) => {
    find(request.params.id);
    return { ok: true, metrics: state().records.get(recordKey('metrics', request.params.id)) ?? [] };
  });
}
