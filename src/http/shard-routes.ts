import type { FastifyInstance } from 'fastify';
import type { Host } from '../host/host.js';

/** `/integrations/<id>/...` (webhooks, Port's resync trigger) and `/api/integrations/<id>...`. */
const INTEGRATION_ROUTE = /^\/(?:api\/)?integrations\/([^/?#]+)(?:[/?#]|$)/;

/**
 * In a sharded install, a request for an integration that another shard runs is answered
 * `421 Misdirected Request` naming the shard that runs it, instead of a bare 404: the sender
 * (or the Ingress routing it) is pointed at the right place, and nothing is queued here.
 */
export function registerShardRoutes(app: FastifyInstance, options: { host: Host }): void {
  app.addHook('onRequest', async (request, reply) => {
    const placement = options.host.config.shard;
    if (placement === undefined || placement.elsewhere.length === 0) return;
    const match = INTEGRATION_ROUTE.exec(request.url);
    if (match === null) return;
    let identifier: string;
    try {
      identifier = decodeURIComponent(match[1] as string);
    } catch {
      return;
    }
    const owner = placement.elsewhere.find((integration) => integration.identifier === identifier);
    if (owner === undefined) return;
    return reply.code(421).send({
      code: 'WRONG_SHARD',
      message: `integration "${identifier}" runs on shard ${owner.shard} of ${placement.count}; this process is shard ${placement.index}`,
      identifier,
      shard: owner.shard,
      thisShard: placement.index,
      shards: placement.count,
    });
  });
}
