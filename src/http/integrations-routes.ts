import type { FastifyInstance } from 'fastify';
import type { Host } from '../host/host.js';

function shardView(host: Host) {
  const placement = host.config.shard;
  if (placement === undefined) return null;
  return {
    index: placement.index,
    count: placement.count,
    runs: host.integrations().map((integration) => integration.identifier),
    elsewhere: placement.elsewhere,
  };
}

/**
 * Read-only admin API: each integration's plugin, version, status, last error (with its stable
 * code) and config with sensitive values masked.
 */
export function registerIntegrationsRoutes(app: FastifyInstance, options: { host: Host }): void {
  app.get('/api/integrations', async () => ({
    hostState: options.host.state,
    integrations: options.host.integrations().map((integration) => integration.snapshot()),
    // Sharded (`--shard i/N`): this process's shard, and the config's integrations it does not run.
    shard: shardView(options.host),
  }));
  app.get<{ Params: { id: string } }>('/api/integrations/:id', async (request, reply) => {
    const integration = options.host.integration(request.params.id);
    if (integration === undefined) {
      return reply.code(404).send({ code: 'NOT_FOUND', message: `no integration "${request.params.id}"` });
    }
    return integration.snapshot();
  });
}
