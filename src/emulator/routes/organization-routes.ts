import type { FastifyInstance } from 'fastify';
import type { EmulatorContext } from '../context.js';

export function registerOrganizationRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  // No feature flags: Ocean-style clients stay in classic mode and write entities themselves.
  app.get('/v1/organization', async () => ({
    ok: true,
    organization: { id: ctx.organizationId, name: 'Marina local Port', featureFlags: [] },
  }));

  app.get('/v1/kafka-credentials', async () => ({ ok: true, credentials: { ...ctx.kafkaCredentials } }));
}
