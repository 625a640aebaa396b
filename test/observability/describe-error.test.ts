import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { got } from 'got';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { describeError, MarinaError } from '../../src/errors.js';
import { stackWithCauses } from '../../src/observability/describe-error.js';
import { createPortClient, createRateBudget } from '../../src/port/index.js';

const SECRET = 'sk_live_0f1e2d3c4b5a';
let server: Server;
let base: string;
beforeAll(async () => {
  // A third-party API that refuses everything.
  server = createServer((_request, response) => {
    response.statusCode = 404;
    response.end('{"message":"no such thing"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const failure = (promise: Promise<unknown>): Promise<unknown> => promise.then(() => new Error('expected a failure'), (error: unknown) => error);

describe('describeError', () => {
  test("prints every cause's message; a got HTTPError gives its status and URL with secret query parameters masked", async () => {
    const httpError = await failure(got(`${base}/items`, { searchParams: { api_key: SECRET, page: 2 }, retry: { limit: 0 } }));
    const wrapped = new MarinaError('RESYNC_PLUGIN_FAILED', 'The handler of kind "item" (resource 0) threw on page 1', { cause: httpError });
    const text = describeError(new MarinaError('RESYNC_FAILED', 'Resync of "acme" failed', { cause: wrapped }));
    expect(text).toBe(
      [
        'Resync of "acme" failed',
        'caused by: The handler of kind "item" (resource 0) threw on page 1',
        `caused by: HTTPError: Request failed with status code 404 (Not Found): GET ${base}/items?api_key=[REDACTED]&page=2`,
      ].join('\n'),
    );
    expect(text).not.toContain('[object Object]');
    expect(text).not.toContain(SECRET);
  });

  test('a got RequestError (nothing listening) names the method and masked URL once, without repeating its cause', async () => {
    const error = await failure(got(`http://127.0.0.1:1/hooks?access_token=${SECRET}`, { retry: { limit: 0 } }));
    expect(describeError(error)).toBe('RequestError: connect ECONNREFUSED 127.0.0.1:1 (GET http://127.0.0.1:1/hooks?access_token=[REDACTED])');
  });

  test('a Port client error names the status and the full URL of the Port call', async () => {
    const emulator: Emulator = await startEmulator({ credentials: [{ clientId: 'describe-id', clientSecret: 'describe-secret' }] });
    const client = createPortClient({ baseUrl: emulator.url, clientId: 'describe-id', clientSecret: 'describe-secret', budget: createRateBudget({ limits: false }) });
    try {
      const error = await failure(client.request({ method: 'GET', path: '/v1/blueprints/missing', integration: { identifier: 'acme', type: 'acme', version: '1.0.0' } }));
      expect(describeError(error)).toMatch(new RegExp(`^Port answered 404 to GET /v1/blueprints/missing.* \\(${emulator.url.replace(/[.]/g, '\\.')}/v1/blueprints/missing\\)$`));
    } finally {
      client.close();
      await emulator.close();
    }
  });

  test('causes that are not errors: strings and objects are shown, empty objects skipped, cycles stopped', () => {
    expect(describeError(new Error('outer', { cause: 'a plain reason' }))).toBe('outer\ncaused by: a plain reason');
    expect(describeError(new Error('outer', { cause: { status: 'bad', retry: false } }))).toBe('outer\ncaused by: {"status":"bad","retry":false}');
    expect(describeError(new Error('outer', { cause: {} }))).toBe('outer');
    const looped = new Error('first');
    looped.cause = new Error('second', { cause: looped });
    expect(describeError(looped)).toBe('first\ncaused by: second');
    expect(describeError(new TypeError('x is not a function'))).toBe('TypeError: x is not a function');
    expect(describeError('thrown string')).toBe('thrown string');
    expect(describeError(undefined)).toBe('undefined');
  });

  test('stackWithCauses keeps the stack of every cause, masked', () => {
    const inner = new Error(`fetching https://api.example.test/x?token=${SECRET}`);
    const text = stackWithCauses(new MarinaError('RESYNC_PLUGIN_FAILED', 'kind failed', { cause: inner })) ?? '';
    expect(text).toMatch(/^MarinaError: kind failed\n\s+at /);
    expect(text).toContain('caused by: Error: fetching https://api.example.test/x?token=[REDACTED]\n');
    expect(text).toContain('describe-error.test.ts:');
    expect(text).not.toContain(SECRET);
  });
});
