import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

/** Prometheus text exposition of the host's own registry (never prom-client's global one). */
export function registerMetricsRoute(app: FastifyInstance, options: { registry: Registry }): void {
  app.get('/metrics', async (_request, reply) => {
    const body = await options.registry.metrics();
    return reply.type(options.registry.contentType).send(body);
  });
}
