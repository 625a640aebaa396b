import type { FastifyReply, FastifyRequest } from 'fastify';
import { constantTimeEqual } from '../sdk/index.js';

export interface AdminAuthOptions {
  /**
   * The bearer token operators send (`Authorization: Bearer <token>`), from
   * `MARINA_ADMIN_TOKEN`. Without one, only requests from the machine itself (loopback) pass.
   */
  token?: string;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * Guards the admin routes that change something (such as triggering a resync). Compares the
 * token in constant time, so response timing says nothing about how much of a guess matched.
 * Answers 401/403 itself and resolves false when the request must stop.
 */
export async function authorizeAdmin(request: FastifyRequest, reply: FastifyReply, options: AdminAuthOptions): Promise<boolean> {
  const token = options.token;
  if (token === undefined || token === '') {
    if (LOOPBACK.has(request.socket.remoteAddress ?? '')) return true;
    await reply.code(403).send({
      code: 'ADMIN_FORBIDDEN',
      message: 'Admin routes accept requests from other machines only with a token: set MARINA_ADMIN_TOKEN and send "Authorization: Bearer <token>"',
    });
    return false;
  }
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (match === null || !constantTimeEqual(match[1] as string, token)) {
    await reply
      .code(401)
      .header('www-authenticate', 'Bearer realm="marina-admin"')
      .send({ code: 'ADMIN_UNAUTHORIZED', message: match === null ? 'Missing "Authorization: Bearer <token>" header' : 'The admin token is not valid' });
    return false;
  }
  return true;
}
