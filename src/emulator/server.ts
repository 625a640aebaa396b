import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { EmulatorContext } from './context.js';
import { PortApiError, toEnvelope } from './port-error.js';
import { routeFamily } from './rate-limiter.js';
import { registerAdminRoutes } from './routes/admin-routes.js';
import { registerAuthRoutes } from './routes/auth-routes.js';
import { registerBlueprintRoutes } from './routes/blueprint-routes.js';
import { registerEntityRoutes } from './routes/entity-routes.js';
import { registerIntegrationRoutes } from './routes/integration-routes.js';
import { registerOrganizationRoutes } from './routes/organization-routes.js';
import { registerSearchRoutes } from './routes/search-routes.js';

/** Port caps every request body at 1 MiB and answers 413 above it. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

function fastifyErrorToPort(error: FastifyError): PortApiError {
  const status = error.statusCode ?? 500;
  if (status === 413) return new PortApiError(413, 'payload_too_large', `request body is larger than the ${BODY_LIMIT_BYTES}-byte (1 MiB) limit`);
  if (status === 415) return new PortApiError(415, 'unsupported_media_type', `${error.message}; send JSON with content-type application/json`);
  if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return new PortApiError(400, 'bad_request', 'the request body is empty but content-type is application/json');
  if (status === 400) return new PortApiError(400, 'bad_request', `the request body is not valid JSON: ${error.message}`);
  if (status >= 400 && status < 500) return new PortApiError(status, 'bad_request', error.message);
  return new PortApiError(500, 'internal_error', 'the emulator failed to handle this request');
}

async function sendError(reply: FastifyReply, error: PortApiError): Promise<void> {
  await reply.code(error.statusCode).send(toEnvelope(error));
}

export function createServer(ctx: EmulatorContext): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: BODY_LIMIT_BYTES,
    // Entity identifiers may be 1,000 characters, up to three times that once percent-encoded;
    // find-my-way's default of 100 would turn long identifiers into 404s.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 4096 },
  });
  const actors = new WeakMap<FastifyRequest, string>();
  const faultNotes = new WeakMap<FastifyRequest, string>();
  let traceCounter = 0;
  ctx.actorOf = (request) => actors.get(request) ?? 'unknown';

  // JSON only (anything else is 415). An empty body counts as no body, since clients such as
  // Python's httpx may send the JSON content type on a DELETE without one.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, raw, done) => {
    const text = raw as string;
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      done(new PortApiError(400, 'bad_request', `the request body is not valid JSON: ${(error as Error).message}`), undefined);
    }
  });

  // Callback-style hooks: they run on every request, and skipping a promise per hook is
  // measurable at the request rates the benchmarks drive.
  const guard = (request: FastifyRequest, reply: FastifyReply, path: string, done: (error?: Error) => void): void => {
    if (ctx.limiter !== undefined) {
      const decision = ctx.limiter.take(routeFamily(request.method, path));
      reply.headers(decision.headers);
      if (!decision.allowed) {
        reply.header('retry-after', String(decision.retryAfterSeconds));
        void sendError(reply, new PortApiError(429, 'rate_limit_exceeded', `rate limit of ${decision.headers['x-ratelimit-limit']} requests per ${decision.headers['x-ratelimit-period']} s exceeded for this route family; retry after ${decision.retryAfterSeconds} s`));
        return;
      }
    }
    if (path === '/v1/auth/access_token') return done();
    const header = request.headers.authorization;
    const match = header === undefined ? null : /^Bearer\s+(\S+)$/i.exec(header);
    const info = match === null ? undefined : ctx.tokens.verify(match[1] as string);
    if (info === undefined) {
      void sendError(reply, new PortApiError(401, 'unauthorized', header === undefined ? 'missing Authorization header; get a token from POST /v1/auth/access_token' : 'the access token is invalid or expired'));
      return;
    }
    actors.set(request, info.clientId);
    done();
  };

  app.addHook('onRequest', (request, reply, done) => {
    const path = request.url.split('?', 1)[0] as string;
    if (!path.startsWith('/v1/')) return done();
    // Ocean logs x-trace-id when present; a counter is enough to find a request in the log.
    reply.header('x-trace-id', `emulator-${++traceCounter}`);
    const fault = ctx.faults.decide(request.method, path);
    const apply = () => {
      if (fault.kind === 'reset') {
        faultNotes.set(request, 'reset');
        ctx.requestLog.add({ at: ctx.now().toISOString(), method: request.method, path, status: 0, durationMs: 0, userAgent: request.headers['user-agent'] ?? '', fault: 'reset' });
        reply.hijack();
        request.raw.socket.destroy();
        return;
      }
      if (fault.kind === 'storm') {
        faultNotes.set(request, 'rate-limit-storm');
        reply.header('retry-after', String(fault.retryAfterSeconds));
        void sendError(reply, new PortApiError(429, 'rate_limit_exceeded', `too many requests (injected storm); retry after ${fault.retryAfterSeconds} s`));
        return;
      }
      if (fault.kind === 'error') {
        faultNotes.set(request, `error-${fault.status}`);
        void sendError(reply, new PortApiError(fault.status, 'internal_error', `injected fault: HTTP ${fault.status}`));
        return;
      }
      guard(request, reply, path, done);
    };
    if (fault.latencyMs > 0) setTimeout(apply, fault.latencyMs);
    else apply();
  });

  app.addHook('onResponse', (request, reply, done) => {
    const path = request.url.split('?', 1)[0] as string;
    if (path.startsWith('/v1/')) {
      const fault = faultNotes.get(request);
      ctx.requestLog.add({
        at: ctx.now().toISOString(),
        method: request.method,
        path,
        status: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 100) / 100,
        userAgent: request.headers['user-agent'] ?? '',
        ...(fault === undefined ? {} : { fault }),
      });
    }
    done();
  });

  app.setErrorHandler(async (error: FastifyError | PortApiError, request, reply) => {
    if (error instanceof PortApiError) return sendError(reply, error);
    const mapped = fastifyErrorToPort(error);
    if (mapped.statusCode >= 500) ctx.logger?.error({ err: error, method: request.method, url: request.url.split('?', 1)[0] }, 'emulator request failed');
    return sendError(reply, mapped);
  });

  app.setNotFoundHandler(async (request, reply) =>
    sendError(reply, new PortApiError(404, 'not_found', `route ${request.method} ${request.url.split('?', 1)[0]} does not exist in the emulator`)),
  );

  registerAuthRoutes(app, ctx);
  registerBlueprintRoutes(app, ctx);
  registerEntityRoutes(app, ctx);
  registerSearchRoutes(app, ctx);
  registerIntegrationRoutes(app, ctx);
  registerOrganizationRoutes(app, ctx);
  registerAdminRoutes(app, ctx);
  return app;
}
