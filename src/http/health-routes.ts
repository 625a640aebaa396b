import type { FastifyInstance } from 'fastify';
import type { Host } from '../host/host.js';
import type { DegradedReason } from '../host/integration-health.js';

/**
 * Ocean's health routes and body shape (`{status, check, core_version}`), so probes written for
 * Ocean work. Live: the process serves HTTP. Ready: the host finished starting and is not
 * stopping; that alone decides the code (200 or 503). Integrations that are `degraded` or
 * `failed` are listed in the body with their reasons but keep it 200: one process serves every
 * integration's webhooks, so taking it out of rotation (or restarting it) for one broken
 * integration would cut off the healthy ones and fix nothing. Alert on
 * `marina_integration_status` instead.
 */
export function registerHealthRoutes(app: FastifyInstance, options: { host: Host; version: string }): void {
  app.get('/health/live', async () => ({ status: 'healthy', check: 'live', core_version: options.version }));
  app.get('/health/ready', async (_request, reply) => {
    const ready = options.host.state === 'running';
    const degraded: { identifier: string; reasons: DegradedReason[] }[] = [];
    const failed: { identifier: string; error: { code: string; message: string } | null }[] = [];
    for (const integration of options.host.integrations()) {
      const health = integration.health();
      if (health.status === 'degraded') degraded.push({ identifier: integration.identifier, reasons: health.reasons });
      if (health.status === 'failed') {
        const error = integration.snapshot().error;
        failed.push({ identifier: integration.identifier, error: error === null ? null : { code: error.code, message: error.message } });
      }
    }
    return reply.code(ready ? 200 : 503).send({
      status: ready ? 'healthy' : 'unavailable',
      check: 'ready',
      core_version: options.version,
      state: options.host.state,
      integrations: { degraded, failed },
    });
  });
}
