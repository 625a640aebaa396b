import type { FastifyInstance, FastifyReply } from 'fastify';
import { isMarinaError } from '../errors.js';
import type { Host } from '../host/host.js';
import type { Integration } from '../host/integration.js';
import type { ResyncTrigger } from '../sync/scheduler.js';
import { authorizeAdmin, type AdminAuthOptions } from './admin-auth.js';

interface IdParams {
  id: string;
}

/**
 * Resync triggers over HTTP:
 * - `POST /integrations/:id/resync`: Port's WEBHOOK listener call. Answered 202 with a run id
 *   at once (Ocean holds the request for the whole resync, so Port's call times out on large
 *   ones); only for integrations configured with the WEBHOOK listener.
 * - `GET /integrations/:id/resync/:runId`: that run's status and live per-kind figures.
 * - `POST /api/integrations/:id/resync`: the operator's trigger, for any listener that resyncs;
 *   guarded by the admin token (see admin-auth.ts).
 * A request for an integration with a resync running aborts that run (it deletes nothing) and
 * starts a new one after it; other integrations are untouched.
 */
export function registerResyncRoutes(app: FastifyInstance, options: { host: Host; admin: AdminAuthOptions }): void {
  const { host } = options;

  const find = async (id: string, reply: FastifyReply): Promise<Integration | undefined> => {
    const integration = host.integration(id);
    if (integration === undefined) {
      await reply.code(404).send({ code: 'NOT_FOUND', message: `no integration "${id}"` });
      return undefined;
    }
    return integration;
  };

  const trigger = async (integration: Integration, reply: FastifyReply, resyncTrigger: ResyncTrigger, statusPrefix: string) => {
    const runtime = integration.resync;
    if (runtime === undefined) {
      return reply.code(503).send({
        code: 'HOST_NOT_RUNNING',
        message: `integration "${integration.identifier}" is ${integration.status} and has no resync runtime${host.port === undefined ? ' (no Port is configured)' : ''}`,
      });
    }
    try {
      const handle = runtime.requestResync(resyncTrigger);
      return reply.code(202).send({
        runId: handle.runId,
        integration: integration.identifier,
        status: runtime.run(handle.runId)?.status ?? 'queued',
        statusUrl: `${statusPrefix}/${encodeURIComponent(integration.identifier)}/resync/${handle.runId}`,
      });
    } catch (error) {
      if (isMarinaError(error, 'RESYNC_DISABLED')) return reply.code(409).send({ code: error.code, message: error.message });
      if (isMarinaError(error, 'HOST_NOT_RUNNING')) return reply.code(503).send({ code: error.code, message: error.message });
      throw error;
    }
  };

  const runStatus = async (params: IdParams & { runId: string }, reply: FastifyReply) => {
    const integration = await find(params.id, reply);
    if (integration === undefined) return reply;
    const record = integration.resync?.run(params.runId);
    if (record === undefined) return reply.code(404).send({ code: 'NOT_FOUND', message: `no resync run "${params.runId}" of integration "${params.id}" (only recent runs are kept)` });
    return record;
  };

  app.post<{ Params: IdParams }>('/integrations/:id/resync', async (request, reply) => {
    const integration = await find(request.params.id, reply);
    if (integration === undefined) return reply;
    if (integration.config.eventListener.type !== 'WEBHOOK') {
      return reply.code(409).send({
        code: 'RESYNC_DISABLED',
        message: `integration "${integration.identifier}" uses the ${integration.config.eventListener.type} event listener; this route serves WEBHOOK integrations (operators: POST /api/integrations/${integration.identifier}/resync)`,
      });
    }
    return trigger(integration, reply, { source: 'listener', reason: 'Port webhook' }, '/integrations');
  });

  app.get<{ Params: IdParams & { runId: string } }>('/integrations/:id/resync/:runId', (request, reply) => runStatus(request.params, reply));

  app.post<{ Params: IdParams }>('/api/integrations/:id/resync', async (request, reply) => {
    if (!(await authorizeAdmin(request, reply, options.admin))) return reply;
    const integration = await find(request.params.id, reply);
    if (integration === undefined) return reply;
    return trigger(integration, reply, { source: 'admin', reason: `admin API from ${request.socket.remoteAddress ?? 'unknown'}` }, '/api/integrations');
  });

  app.get<{ Params: IdParams & { runId: string } }>('/api/integrations/:id/resync/:runId', (request, reply) => runStatus(request.params, reply));
}
