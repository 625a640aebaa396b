import { readFileSync } from 'node:fs';
import http from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually } from '../../test/support/eventually.js';
import { startMockRestApi, type MockRestApi } from '../../test/support/mock-rest-api/index.js';
import { rateLimitResetDelay } from './custom-http.js';
import { collectRecords, resyncRequest, setUpCustom } from './custom-test-support.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const tlsDir = path.resolve(here, '../../test/fixtures/tls');

let mock: MockRestApi;
beforeAll(async () => {
  mock = await startMockRestApi();
});
afterAll(async () => {
  await mock.close();
});
beforeEach(() => {
  mock.reset();
});

describe('custom plugin: requests', () => {
  test('5xx and 429 answers are retried by the SDK client (Retry-After honoured), POST included', async () => {
    const { instance } = await setUpCustom({ baseUrl: mock.url });
    mock.inject({ path: '/none/items', status: 503, times: 2 });
    expect(await collectRecords(instance, '/none/items', { query_params: { total: 2 } })).toHaveLength(2);
    expect(mock.count('/none/items')).toBeGreaterThanOrEqual(3);
    mock.inject({ path: '/echo', status: 429, headers: { 'retry-after': '0' } });
    mock.inject({ path: '/echo', status: 502 });
    expect(await collectRecords(instance, '/echo', { method: 'POST', body: { a: 1 } })).toHaveLength(1);
    expect(mock.requests.filter((r) => r.path === '/echo')).toHaveLength(1);
  });

  test('a 429 with X-RateLimit-Reset and no Retry-After waits for the reset', async () => {
    // The backoff is long: the retry comes quickly only because the reset header says now.
    const { instance } = await setUpCustom({ baseUrl: mock.url }, { backoffBaseMs: 600_000 });
    mock.inject({ path: '/none/items', status: 429, headers: { 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000)) } });
    expect(await collectRecords(instance, '/none/items', { query_params: { total: 1 } })).toHaveLength(1);
    expect(rateLimitResetDelay({ 'x-ratelimit-reset': '1700000030' }, 1_700_000_000_000)).toBe(30_000);
    expect(rateLimitResetDelay({ 'ratelimit-reset': '7' })).toBe(7_000);
    expect(rateLimitResetDelay({ 'x-ratelimit-reset': '99999' })).toBe(60_000);
    expect(rateLimitResetDelay({})).toBeUndefined();
  });

  test('an error status after the retries fails the kind with the status, method, URL and body (never the query string)', async () => {
    const { instance } = await setUpCustom({ baseUrl: `${mock.url}?apiKey=secret-in-query` });
    mock.inject({ path: '/none/items', status: 500, times: 10, body: { error: 'database on fire' } });
    const error = await collectRecords(instance, '/none/items').catch((e: unknown) => e as Error);
    expect(error).toMatchObject({ code: 'CUSTOM_HTTP_ERROR', status: 500, message: expect.stringMatching(/^GET http:\/\/127\.0\.0\.1:\d+\/none\/items answered 500: \{"error":"database on fire"\}$/) });
    expect((error as Error).message).not.toContain('secret-in-query');
  });

  test('timeout: a request longer than `timeout` seconds fails', async () => {
    const gate = mock.hold('/slow');
    try {
      const { instance } = await setUpCustom({ baseUrl: mock.url, timeout: '0.2' }, { retries: 0 });
      await expect(collectRecords(instance, '/slow')).rejects.toMatchObject({ code: 'CUSTOM_REQUEST_FAILED', message: expect.stringContaining('ETIMEDOUT') });
    } finally {
      gate.open();
    }
  });

  test('an unreachable API and a body that is not JSON are clear errors', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const down = await setUpCustom({ baseUrl: `http://127.0.0.1:${port}` }, { retries: 0 });
    await expect(collectRecords(down.instance, '/x')).rejects.toMatchObject({ code: 'CUSTOM_REQUEST_FAILED', message: expect.stringContaining('ECONNREFUSED') });
    const { instance } = await setUpCustom({ baseUrl: mock.url });
    await expect(collectRecords(instance, '/plain-text')).rejects.toMatchObject({
      code: 'CUSTOM_RESPONSE_INVALID',
      message: expect.stringMatching(/^GET http:\/\/127\.0\.0\.1:\d+\/plain-text answered 200 with a body that is not JSON \(content-type text\/plain; charset=utf-8\): hello, world$/),
    });
  });

  test('verifySsl: a self-signed certificate is refused by default and accepted with verifySsl false', async () => {
    const secure = await startMockRestApi({ tls: { key: readFileSync(path.join(tlsDir, 'localhost.key')), cert: readFileSync(path.join(tlsDir, 'localhost.crt')) } });
    try {
      const strict = await setUpCustom({ baseUrl: secure.url }, { retries: 0 });
      await expect(collectRecords(strict.instance, '/none/items')).rejects.toMatchObject({ code: 'CUSTOM_REQUEST_FAILED', message: expect.stringMatching(/self[- ]signed/i) });
      const { instance, logger } = await setUpCustom({ baseUrl: secure.url, verifySsl: 'false' });
      expect(await collectRecords(instance, '/none/items', { query_params: { total: 3 } })).toHaveLength(3);
      expect(logger.lines.some((line) => line.level === 'warn' && String(line.msg).includes('verifySsl is false'))).toBe(true);
    } finally {
      await secure.close();
    }
  });

  test('maxConcurrentRequests defaults to 10', async () => {
    const gate = mock.hold('/echo/');
    const { instance } = await setUpCustom({ baseUrl: mock.url });
    const collecting = collectRecords(instance, '/echo/{id}', { path_parameters: { id: { endpoint: '/none/items', query_params: { total: 25 }, field: '.id' } } });
    await eventually(() => gate.waiting === 10, 'ten requests at the gate');
    gate.open();
    expect(await collecting).toHaveLength(25);
    expect(gate.peak).toBe(10);
  });

  test("the resync's abort signal stops the requests in flight, and the integration's stop does too", async () => {
    const gate = mock.hold('/slow');
    try {
      const { instance, stop } = await setUpCustom({ baseUrl: mock.url });
      const resync = new AbortController();
      const pages = instance.resync['*']!(resyncRequest('/slow/a', {}, resync.signal))[Symbol.asyncIterator]();
      const first = pages.next();
      await eventually(() => gate.waiting === 1, 'the request at the gate');
      resync.abort(new Error('a newer resync started'));
      await expect(first).rejects.toThrow('a newer resync started');
      const second = instance.resync['*']!(resyncRequest('/slow/b'))[Symbol.asyncIterator]().next();
      await eventually(() => gate.waiting === 2, 'the second request at the gate');
      stop();
      await expect(second).rejects.toThrow();
    } finally {
      gate.open();
    }
  });

  test("a query string in baseUrl (Canny's docs) goes with every request, next links included", async () => {
    const { instance } = await setUpCustom({ baseUrl: `${mock.url}/?apiKey=k-1`, paginationType: 'next_link', nextLinkPath: 'links.next' });
    expect(await collectRecords(instance, '/next-link/items', { data_path: '.data', query_params: { total: 25, style: 'links' } })).toHaveLength(25);
    const sent = mock.requests.filter((r) => r.path === '/next-link/items');
    expect(sent).toHaveLength(3);
    expect(sent.every((r) => r.query['apiKey'] === 'k-1')).toBe(true);
  });

  test('customHeaders go with every request; a selector header of the same name wins; credentials yield to selector headers too', async () => {
    const { instance } = await setUpCustom({ baseUrl: mock.url, authType: 'bearer_token', apiToken: 't-1', customHeaders: '{"X-Tenant": "acme", "Accept": "application/json"}' });
    const [plain] = await collectRecords(instance, '/echo');
    expect(plain!['headers']).toMatchObject({ 'x-tenant': 'acme', accept: 'application/json', authorization: 'Bearer t-1' });
    const [overridden] = await collectRecords(instance, '/echo', { headers: { accept: 'text/csv+json', Authorization: 'Token other' } });
    expect(overridden!['headers']).toMatchObject({ 'x-tenant': 'acme', accept: 'text/csv+json', authorization: 'Token other' });
  });

  test('HTTPS_PROXY / HTTP_PROXY from the host reach the plugin: requests go through the proxy', async () => {
    // A CONNECT proxy, as the host's proxy agent tunnels through one.
    const proxied: string[] = [];
    const proxy = http.createServer((_request, response) => response.writeHead(405).end());
    proxy.on('connect', (request: http.IncomingMessage, client: Socket, head: Buffer) => {
      proxied.push(request.url ?? '');
      const [host, port] = (request.url ?? '').split(':');
      const upstream = connect(Number(port), host!, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const { instance } = await setUpCustom({ baseUrl: mock.url }, { env: { HTTP_PROXY: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` } });
      expect(await collectRecords(instance, '/none/items', { query_params: { total: 2 } })).toHaveLength(2);
      expect(proxied).toEqual([new URL(mock.url).host]);
    } finally {
      proxy.close();
    }
  });
});
