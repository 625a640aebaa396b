import type { FastifyInstance } from 'fastify';
import type { Host } from '../host/host.js';

/**
 * Ocean's health routes and body shape (`{status, check, core_version}`), so probes written for
 * Ocean work. Live: the process serves HTTP. Ready: the host finished starting and is not
 * stopping (individual integrations may have failed; their state is in /api/integrations).
 */
export function registerHealthRoutes(app: FastifyInstance, options: { host: Host; version: string }): void {
  app.get('/health/live', async () => ({ status: 'healthy', check: 'live', core_version: options.version }));
  app.get('/health/ready', async (_request, reply) => {
    const ready = options.host.state === 'running';
    return reply
      .code(ready ? 200 : 503)
      .send({ status: ready ? 'healthy' : 'unavailable', check: 'ready', core_version: options.version, state: options.host.state });
  });
}
