import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { EmulatorContext } from '../context.js';
import { validateFaultRules } from '../fault-injector.js';
import { PortApiError, notFound } from '../port-error.js';
import { entityJson } from '../projection.js';
import { countEntities, recordKey } from '../state.js';

/**
 * The emulator's own API, under `/_emulator` (a prefix Port does not use). It needs no token and
 * is never rate limited or faulted, so tests and people can always see and steer the emulator:
 *
 *   GET    /_emulator/state                       counts: blueprints, entities (total and per blueprint), integrations
 *   GET    /_emulator/blueprints                  every blueprint
 *   GET    /_emulator/entities?blueprint=ID       entities (of one blueprint, or all), with `datasource`
 *   GET    /_emulator/requests?limit=N            recent /v1 requests, newest first (no headers or bodies)
 *   DELETE /_emulator/requests                    clears the request log
 *   GET    /_emulator/faults                      the fault rules in force
 *   PUT    /_emulator/faults                      replaces them: body `{ "rules": [FaultRule, ...] }`
 *   POST   /_emulator/tokens/expire               expires every issued token (tests the 401 → refresh path)
 *   GET    /_emulator/integrations                every integration as stored: its `config` is the mapping (port-app-config) it resyncs with
 *   GET    /_emulator/integrations/:id            one of them
 *   POST   /_emulator/integrations/:id/resync-request   raises a resync request, as a user clicking "resync"
 *   GET    /_emulator/integrations/:id/records/:channel  ingested logs | metrics | heartbeat | examples
 *   POST   /_emulator/reset                       deletes everything stored
 */
export function registerAdminRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const state = () => ctx.persistence.state;

  app.get('/_emulator/state', async () => {
    const byBlueprint: Record<string, number> = {};
    for (const [blueprint, entities] of state().entities) byBlueprint[blueprint] = entities.size;
    return {
      ok: true,
      blueprints: state().blueprints.size,
      entities: countEntities(state()),
      entitiesByBlueprint: byBlueprint,
      integrations: state().integrations.size,
    };
  });

  app.get('/_emulator/blueprints', async () => ({ ok: true, blueprints: [...state().blueprints.values()] }));

  app.get<{ Querystring: { blueprint?: string } }>('/_emulator/entities', async (request) => {
    const wanted = request.query.blueprint;
    const maps = wanted === undefined ? [...state().entities.values()] : [state().entities.get(wanted) ?? new Map()];
    const entities = maps.flatMap((map) => [...map.values()].map((entity) => ({ ...entityJson(entity), datasource: entity.datasource })));
    return { ok: true, entities };
  });

  app.get<{ Querystring: { limit?: string } }>('/_emulator/requests', async (request) => {
    const limit = request.query.limit === undefined ? undefined : Number(request.query.limit);
    return { ok: true, requests: ctx.requestLog.recent(Number.isInteger(limit) && (limit as number) > 0 ? limit : undefined) };
  });
  app.delete('/_emulator/requests', async () => {
    ctx.requestLog.clear();
    return { ok: true };
  });

  app.get('/_emulator/faults', async () => ({ ok: true, rules: ctx.faults.rules() }));
  app.put('/_emulator/faults', async (request) => {
    const body = request.body as { rules?: unknown } | null;
    try {
      ctx.faults.setRules(validateFaultRules(body?.rules));
    } catch (error) {
      throw new PortApiError(422, 'invalid_request', `body/rules: ${(error as Error).message}`);
    }
    return { ok: true, rules: ctx.faults.rules() };
  });

  app.post('/_emulator/tokens/expire', async () => {
    ctx.tokens.expireAll();
    return { ok: true };
  });

  app.get('/_emulator/integrations', async () => ({ ok: true, integrations: [...state().integrations.values()] }));
  app.get<{ Params: { id: string } }>('/_emulator/integrations/:id', async (request) => {
    const integration = state().integrations.get(request.params.id);
    if (integration === undefined) throw notFound(`integration "${request.params.id}" does not exist`);
    return { ok: true, integration };
  });

  app.post<{ Params: { id: string } }>('/_emulator/integrations/:id/resync-request', async (request) => {
    if (!state().integrations.has(request.params.id)) throw notFound(`integration "${request.params.id}" does not exist`);
    const value = { id: randomUUID(), updatedAt: ctx.now().toISOString() };
    ctx.persistence.commit([{ op: 'record.set', channel: 'resync-request', key: request.params.id, values: [value] }]);
    return { ok: true, request: value };
  });

  app.get<{ Params: { id: string; channel: string } }>('/_emulator/integrations/:id/records/:channel', async (request) => {
    const { id, channel } = request.params;
    if (channel === 'examples') {
      const examples: Record<string, unknown[]> = {};
      const prefix = recordKey('examples', `${id}\u0000`);
      for (const [key, values] of state().records) if (key.startsWith(prefix)) examples[key.slice(prefix.length)] = values;
      return { ok: true, examples };
    }
    return { ok: true, records: state().records.get(recordKey(channel, id)) ?? [] };
  });

  app.post('/_emulator/reset', async () => {
    ctx.persistence.commit([{ op: 'reset' }]);
    return { ok: true };
  });
}
