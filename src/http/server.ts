import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Host } from '../host/host.js';
import type { HostMetrics } from '../observability/metrics.js';
import { registerHealthRoutes } from './health-routes.js';
import { registerIntegrationsRoutes } from './integrations-routes.js';
import { registerLiveDashboard } from './live-dashboard.js';
import { registerLiveRoutes } from './live-routes.js';
import { registerMetricsRoute } from './metrics-route.js';
import { registerResyncRoutes } from './resync-routes.js';
import { registerShardRoutes } from './shard-routes.js';

export interface HttpServerOptions {
  host: Host;
  metrics: HostMetrics;
  logger: Logger;
  /** Marina's version, reported by the health routes. */
  version: string;
  /** Bearer token of the admin routes that change things (`MARINA_ADMIN_TOKEN`); none: loopback only. */
  adminToken?: string;
}

/**
 * The host's HTTP server: health, metrics, the admin API and the integrations' webhook routes.
 * Later parts (dashboard) register their routes on the returned instance before it listens.
 */
export function createHttpServer(options: HttpServerOptions): FastifyInstance {
  const app = Fastify({
    // Per-request lines at info would drown everything else (probes, scrapes); errors still log.
    loggerInstance: options.logger.child({ component: 'http' }, { level: 'warn' }) as FastifyBaseLogger,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
  // First, so a request for another shard's integration never reaches a route of this one.
  registerShardRoutes(app, { host: options.host });
  registerHealthRoutes(app, { host: options.host, version: options.version });
  registerMetricsRoute(app, { registry: options.metrics.registry });
  registerIntegrationsRoutes(app, { host: options.host });
  const admin = options.adminToken === undefined ? {} : { token: options.adminToken };
  registerResyncRoutes(app, { host: options.host, admin });
  registerLiveRoutes(app, { host: options.host, admin });
  registerLiveDashboard(app, { host: options.host });
  // Webhook deliveries: POST /integrations/:identifier/webhook/*, in their own scope (raw body).
  // Until an integration's plugin is loaded, its deliveries get 503 + Retry-After, not 404.
  options.host.live?.registerRoutes(app, { starting: (identifier) => options.host.integration(identifier)?.status === 'loading' });
  return app;
}
