import type { FastifyInstance } from 'fastify';
import type { EmulatorContext } from '../context.js';
import { isPlainObject } from '../identifiers.js';
import { invalidRequest, PortApiError } from '../port-error.js';

export function registerAuthRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  app.post('/v1/auth/access_token', async (request) => {
    const body = request.body;
    if (!isPlainObject(body)) throw invalidRequest('body must be a JSON object with clientId and clientSecret');
    for (const key of Object.keys(body)) if (key !== 'clientId' && key !== 'clientSecret') throw invalidRequest(`body/${key} is not allowed`);
    const { clientId, clientSecret } = body;
    if (typeof clientId !== 'string' || clientId === '') throw invalidRequest('body/clientId must be a non-empty string');
    if (typeof clientSecret !== 'string' || clientSecret === '') throw invalidRequest('body/clientSecret must be a non-empty string');
    // The message names neither the id nor the secret: both are credentials.
    if (!ctx.tokens.accepts(clientId, clientSecret)) throw new PortApiError(401, 'unauthorized', 'the client id or client secret is wrong');
    return { ok: true, ...ctx.tokens.issue(clientId, clientSecret) };
  });
}
