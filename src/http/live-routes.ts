import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Host } from '../host/host.js';
import type { IntegrationLive } from '../live/index.js';
import { authorizeAdmin, type AdminAuthOptions } from './admin-auth.js';

interface Params {
  id: string;
  eventId?: string;
}

/**
 * Live events in the admin API:
 * - `GET /api/integrations/:id/live`: queue figures, processors and dead letters (read-only, as
 *   `GET /api/integrations/:id`, which embeds the same under `live`).
 * - `POST /api/integrations/:id/live/dead-letters/:eventId/replay`: queue a dead letter again.
 * - `POST /api/integrations/:id/live/dead-letters/replay`: replay every dead letter.
 * - `DELETE /api/integrations/:id/live/dead-letters/:eventId`: drop one for good.
 * The routes that change things use the admin token like the other admin routes.
 */
export function registerLiveRoutes(app: FastifyInstance, options: { host: Host; admin: AdminAuthOptions }): void {
  const { host } = options;
  const find = async (id: string, reply: FastifyReply): Promise<IntegrationLive | undefined> => {
    const live = host.live?.get(id);
    if (live === undefined) {
      const integration = host.integration(id);
      await reply.code(404).send({
        code: 'NOT_FOUND',
        message: integration === undefined ? `no integration "${id}"` : `integration "${id}" is ${integration.status} and serves no live events${host.live === undefined ? ' (no Port is configured)' : ''}`,
      });
      return undefined;
    }
    return live;
  };

  app.get<{ Params: Params }>('/api/integrations/:id/live', async (request, reply) => {
    if ((await find(request.params.id, reply)) === undefined) return reply;
    // Through the integration's snapshot, which masks secrets in the failure reasons.
    return host.integration(request.params.id)?.snapshot().live ?? reply.code(404).send({ code: 'NOT_FOUND', message: `integration "${request.params.id}" serves no live events` });
  });

  app.post<{ Params: Params }>('/api/integrations/:id/live/dead-letters/replay', async (request, reply) => {
    if (!(await authorizeAdmin(request, reply, options.admin))) return reply;
    const live = await find(request.params.id, reply);
    if (live === undefined) return reply;
    const replayed: string[] = [];
    for (const letter of live.deadLetters()) if (await live.replay(letter.id)) replayed.push(letter.id);
    return reply.code(202).send({ replayed });
  });

  app.post<{ Params: Params }>('/api/integrations/:id/live/dead-letters/:eventId/replay', async (request, reply) => {
    if (!(await authorizeAdmin(request, reply, options.admin))) return reply;
    const live = await find(request.params.id, reply);
    if (live === undefined) return reply;
    const eventId = request.params.eventId ?? '';
    if (!(await live.replay(eventId))) return reply.code(404).send({ code: 'NOT_FOUND', message: `integration "${request.params.id}" has no dead letter "${eventId}"` });
    return reply.code(202).send({ replayed: [eventId] });
  });

  app.delete<{ Params: Params }>('/api/integrations/:id/live/dead-letters/:eventId', async (request, reply) => {
    if (!(await authorizeAdmin(request, reply, options.admin))) return reply;
    const live = await find(request.params.id, reply);
    if (live === undefined) return reply;
    const eventId = request.params.eventId ?? '';
    if (!(await live.discard(eventId))) return reply.code(404).send({ code: 'NOT_FOUND', message: `integration "${request.params.id}" has no dead letter "${eventId}"` });
    return reply.code(204).send();
  });
}
