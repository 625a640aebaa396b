import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { registerExampleApis } from './examples.js';
import { registerCollections } from './collections.js';
import { TEAMS, teamMembers } from './records.js';

/**
 * A local REST API for the custom integration's tests and benchmark: every pagination style
 * (`/offset/items`, `/page/items`, `/cursor/items`, `/next-link/items`, `/header-link/items`,
 * `/none/items`), each auth type, injected errors and rate limits, look-alikes of the APIs of
 * Ocean Custom's examples, and Ocean's custom-auth smoke case. Collections are generated from the
 * index of each record, so a million records cost the mock nothing to hold.
 */

export type MockAuth =
  | { type: 'none' }
  | { type: 'bearer'; token: string }
  | { type: 'basic'; username: string; password: string }
  | { type: 'api_key'; header: string; key: string }
  | {
      type: 'custom';
      /** Path of the token route. @default '/oauth/token' */
      tokenPath?: string;
      /** Credentials the token route wants, in a JSON body or a form (`client_id`, `client_secret`). */
      clientId: string;
      clientSecret: string;
      /** `expires_in` of the tokens; they stop working after it. @default 3600 */
      ttlSeconds?: number;
      /** The token response; `{{token}}` is replaced by the issued token. @default {access_token, expires_in, token_type} */
      response?: Record<string, unknown>;
    };

export interface MockFault {
  /** Requests whose path starts with this are affected. */
  path: string;
  status: number;
  /** How many requests get the fault. @default 1 */
  times?: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export interface MockRestApiOptions {
  /** Guards the generic collections and /api/... routes. @default none */
  auth?: MockAuth;
  /** Records in a generic collection unless the request says `total=N`. @default 250 */
  total?: number;
  /** Bytes of padding per generic record. @default 0 */
  padBytes?: number;
  /** Requests kept in `requests` (the latest). @default 10000 */
  logLimit?: number;
  /** Ocean's smoke case: `auth_endpoint`, `auth_response`, `protected_endpoint`, `protected_response`. */
  smoke?: { auth_endpoint: string; auth_response: Record<string, unknown>; protected_endpoint: string; protected_response: unknown };
  /** TLS key and certificate: serve HTTPS. */
  tls?: { key: string | Buffer; cert: string | Buffer };
}

/** Holds requests to a path until released: for tests of concurrency limits. */
export interface MockGate {
  /** Requests waiting at the gate now. */
  readonly waiting: number;
  /** The most requests that were waiting at once. */
  readonly peak: number;
  /** Lets every waiting and later request through. */
  open(): void;
}

export interface MockRestApi {
  url: string;
  app: FastifyInstance;
  /** The latest requests, oldest first. */
  readonly requests: LoggedRequest[];
  /** Requests whose path starts with `prefix`, since the start or the last `reset` (not capped). */
  count(prefix: string): number;
  /** Fails the next requests to a path. */
  inject(fault: MockFault): void;
  /** Forgets injected faults not used up yet, the request log and counts, and opens every gate. */
  reset(): void;
  /** Holds requests whose path starts with `prefix` until the gate opens. */
  hold(prefix: string): MockGate;
  /** Every token issued so far stops working (the next request gets 401). */
  revokeTokens(): void;
  /** Token requests received by the custom auth route. */
  readonly tokenRequests: number;
  close(): Promise<void>;
}

export async function startMockRestApi(options: MockRestApiOptions = {}): Promise<MockRestApi> {
  // fastify types an HTTPS server apart; the routes here use only what both kinds share.
  const createServer = Fastify as unknown as (serverOptions: Record<string, unknown>) => FastifyInstance;
  const app = createServer(options.tls ? { https: options.tls, logger: false } : { logger: false });
  const auth = options.auth ?? { type: 'none' };
  const requests: LoggedRequest[] = [];
  const counts = new Map<string, number>();
  const faults: (MockFault & { left: number })[] = [];
  const logLimit = options.logLimit ?? 10_000;
  const tokens = new Map<string, number>(); // token -> expiry (ms)
  let tokenRequests = 0;
  let tokenSerial = 0;
  const gates: { prefix: string; waiting: number; peak: number; opened: boolean; wake: (() => void)[] }[] = [];

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0]!;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    const fault = faults.find((candidate) => candidate.left > 0 && path.startsWith(candidate.path));
    if (fault) {
      fault.left--;
      return reply
        .code(fault.status)
        .headers(fault.headers ?? {})
        .send(fault.body ?? { error: `injected ${fault.status}` });
    }
    return undefined;
  });
  app.addHook('onRequest', async (request) => {
    const gate = gates.find((candidate) => !candidate.opened && request.url.startsWith(candidate.prefix));
    if (gate === undefined) return;
    gate.waiting++;
    gate.peak = Math.max(gate.peak, gate.waiting);
    await new Promise<void>((resolve) => gate.wake.push(resolve));
    gate.waiting--;
  });
  app.addHook('preHandler', async (request) => {
    requests.push({ method: request.method, path: request.url.split('?')[0]!, query: request.query as LoggedRequest['query'], headers: request.headers, body: request.body });
    if (requests.length > logLimit) requests.splice(0, requests.length - logLimit);
  });

  const tokenPath = auth.type === 'custom' ? (auth.tokenPath ?? '/oauth/token') : undefined;
  const guarded = (request: FastifyRequest) => !request.url.startsWith('/canny/') && !request.url.startsWith('/slack/') && !request.url.startsWith('/hubspot/') && !request.url.startsWith('/zendesk/') && request.url.split('?')[0] !== tokenPath;
  const authorized = (request: FastifyRequest): boolean => {
    const header = request.headers.authorization;
    switch (auth.type) {
      case 'none':
        return true;
      case 'bearer':
        return header === `Bearer ${auth.token}`;
      case 'basic':
        return header === `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
      case 'api_key':
        return request.headers[auth.header.toLowerCase()] === auth.key;
      case 'custom': {
        const query = request.query as Record<string, string>;
        const body = request.body as Record<string, unknown> | undefined;
        const token = header?.startsWith('Bearer ') ? header.slice(7) : (query['api_token'] ?? (body && typeof body === 'object' ? (body['auth_token'] as string | undefined) : undefined));
        const expiry = token === undefined ? undefined : tokens.get(token);
        return expiry !== undefined && expiry > Date.now();
      }
    }
  };
  app.addHook('preHandler', async (request, reply) => {
    if (guarded(request) && !authorized(request)) return reply.code(401).send({ error: 'unauthorized' });
    return undefined;
  });

  if (auth.type === 'custom') {
    app.route({
      method: ['POST', 'GET'],
      url: tokenPath!,
      handler: async (request: FastifyRequest, reply: FastifyReply) => {
        tokenRequests++;
        // Credentials in a JSON or form body, or in the query string (a GET token request).
        const body = { ...(request.query as Record<string, unknown>), ...((request.body ?? {}) as Record<string, unknown>) };
        const clientId = body['client_id'] ?? body['clientId'];
        const clientSecret = body['client_secret'] ?? body['clientSecret'];
        if (clientId !== auth.clientId || clientSecret !== auth.clientSecret) return reply.code(401).send({ error: 'invalid_client' });
        const ttl = auth.ttlSeconds ?? 3600;
        const token = `token-${++tokenSerial}`;
        tokens.set(token, Date.now() + ttl * 1000);
        const template = auth.response ?? { access_token: '{{token}}', expires_in: ttl, token_type: 'Bearer' };
        return JSON.parse(JSON.stringify(template).replaceAll('{{token}}', token)) as unknown;
      },
    });
  }

  if (options.smoke) {
    const smoke = options.smoke;
    const issued = String(smoke.auth_response['access_token']);
    app.post(smoke.auth_endpoint, async () => smoke.auth_response);
    app.get(smoke.protected_endpoint, async (request, reply) => {
      if (request.headers.authorization !== `Bearer ${issued}`) return reply.code(401).send({ error: 'unauthorized' });
      return smoke.protected_response;
    });
  }

  // Echoes what it received, as one record: method, query, headers and body.
  for (const url of ['/echo', '/echo/*']) {
    app.route({
      method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      url,
      handler: async (request) => [{ id: 'echo', method: request.method, path: request.url.split('?')[0], query: request.query, headers: request.headers, body: request.body ?? null }],
    });
  }
  app.get('/plain-text', async (_request, reply) => reply.type('text/plain; charset=utf-8').send('hello, world'));
  // Identifiers that need encoding in a path.
  app.get('/odd-ids', async () => [{ id: 'a b/c' }, { id: 'x?y#z' }]);

  // The dynamic-endpoints example: teams, then each team's members.
  app.get('/api/v1/teams', async () => ({ teams: TEAMS }));
  app.get('/api/v1/teams/:teamId/members', async (request, reply) => {
    const { teamId } = request.params as { teamId: string };
    if (!TEAMS.some((team) => team.id === teamId)) return reply.code(404).send({ error: 'no such team' });
    return { members: teamMembers(teamId) };
  });

  registerCollections(app, { total: options.total ?? 250, padBytes: options.padBytes ?? 0 });
  registerExampleApis(app);

  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    app,
    requests,
    count: (prefix) => [...counts.entries()].filter(([path]) => path.startsWith(prefix)).reduce((sum, [, n]) => sum + n, 0),
    inject: (fault) => void faults.push({ ...fault, left: fault.times ?? 1 }),
    reset: () => {
      faults.length = 0;
      for (const gate of gates.splice(0)) {
        gate.opened = true;
        for (const wake of gate.wake.splice(0)) wake();
      }
      requests.length = 0;
      counts.clear();
    },
    hold: (prefix) => {
      const gate = { prefix, waiting: 0, peak: 0, opened: false, wake: [] as (() => void)[] };
      gates.push(gate);
      return {
        get waiting() {
          return gate.waiting;
        },
        get peak() {
          return gate.peak;
        },
        open() {
          gate.opened = true;
          for (const wake of gate.wake.splice(0)) wake();
        },
      };
    },
    revokeTokens: () => tokens.clear(),
    get tokenRequests() {
      return tokenRequests;
    },
    close: () => app.close(),
  };
}
