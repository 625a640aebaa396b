import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { createHttpClient, bypassesProxy } from '../../src/host/http-client.js';
import { createPluginCache } from '../../src/host/plugin-cache.js';
import { createLogger } from '../../src/observability/logger.js';
import { createSecretRedactor } from '../../src/observability/secret-redactor.js';
import { createCapture } from './host-test-support.js';

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

const quietLogger = createLogger({ level: 'silent', redactor: createSecretRedactor() });

describe('plugin HTTP client', () => {
  let api: Server;
  let apiUrl: string;
  let calls = 0;

  beforeAll(async () => {
    api = createServer((request, response) => {
      calls++;
      if (request.url?.startsWith('/flaky') && calls % 3 !== 0) {
        response.writeHead(503).end('busy');
        return;
      }
      if (request.url === '/hang') return; // never answers
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: request.url, ua: request.headers['user-agent'] }));
    });
    apiUrl = await listen(api);
  });
  afterAll(() => new Promise<void>((resolve) => api.close(() => resolve())));

  it('retries transient failures and logs the retries without query strings', async () => {
    calls = 0;
    const logs = createCapture();
    const http = createHttpClient({
      env: {},
      signal: new AbortController().signal,
      logger: createLogger({ redactor: createSecretRedactor(), destination: { write: logs.write } }),
      userAgent: 'marina/test/1.0.0',
      backoffBaseMs: 10,
    });
    const body = await http.get(`${apiUrl}/flaky?token=abc123secret`).json<{ path: string; ua: string }>();
    expect(body).toEqual({ path: '/flaky?token=abc123secret', ua: 'marina/test/1.0.0' });
    expect(calls).toBe(3);
    const retries = logs.lines().filter((line) => line['msg'] === 'HTTP request failed, retrying');
    expect(retries.map((line) => [line['attempt'], line['status']])).toEqual([
      [1, 503],
      [2, 503],
    ]);
    expect(logs.text()).not.toContain('abc123secret');
  });

  it('aborts requests when the integration stops', async () => {
    const controller = new AbortController();
    const http = createHttpClient({ env: {}, signal: controller.signal, logger: quietLogger });
    const pending = http.get(`${apiUrl}/hang`);
    setTimeout(() => controller.abort(new Error('integration stopped')), 50);
    await expect(pending).rejects.toThrow();
  });

  it('goes through HTTPS_PROXY/HTTP_PROXY, except for NO_PROXY hosts', async () => {
    const tunnels: string[] = [];
    const sockets: { destroy(): void }[] = [];
    const proxy = createServer();
    proxy.on('connect', (request, clientSocket, head) => {
      tunnels.push(request.url ?? '');
      sockets.push(clientSocket);
      const [host, port] = (request.url ?? '').split(':');
      const upstream = connect(Number(port), host, () => {
        clientSocket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        sockets.push(upstream);
        upstream.pipe(clientSocket);
        clientSocket.pipe(upstream);
      });
    });
    const proxyUrl = await listen(proxy);
    try {
      const target = new URL(apiUrl);
      const viaProxy = createHttpClient({ env: { HTTP_PROXY: proxyUrl }, signal: new AbortController().signal, logger: quietLogger });
      await expect(viaProxy.get(`${apiUrl}/through`).json()).resolves.toMatchObject({ path: '/through' });
      expect(tunnels).toEqual([`127.0.0.1:${target.port}`]);
      const bypass = createHttpClient({ env: { http_proxy: proxyUrl, no_proxy: '127.0.0.1' }, signal: new AbortController().signal, logger: quietLogger });
      await expect(bypass.get(`${apiUrl}/direct`).json()).resolves.toMatchObject({ path: '/direct' });
      expect(tunnels).toHaveLength(1);
    } finally {
      // Tunnels are upgraded sockets the server no longer tracks; the agent keeps them alive.
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });

  it('matches NO_PROXY entries like curl does', () => {
    const url = new URL('https://api.acme.example.com:8443/x');
    expect(bypassesProxy(url, ['*'])).toBe(true);
    expect(bypassesProxy(url, ['.example.com'])).toBe(true);
    expect(bypassesProxy(url, ['example.com'])).toBe(true);
    expect(bypassesProxy(url, ['example.com:8443'])).toBe(true);
    expect(bypassesProxy(url, ['example.com:443'])).toBe(false);
    expect(bypassesProxy(url, ['ample.com'])).toBe(false);
  });
});

describe('plugin cache', () => {
  it('expires entries, shares concurrent computations and caches empty results', async () => {
    let now = 1_000;
    const cache = createPluginCache({ now: () => now });
    cache.set('a', 1, 100);
    expect(cache.get('a')).toBe(1);
    now += 100;
    expect(cache.get('a')).toBeUndefined();
    let computations = 0;
    const compute = async () => {
      computations++;
      await new Promise((resolve) => setTimeout(resolve, 10));
      return [] as string[];
    };
    const [first, second] = await Promise.all([cache.wrap('teams', 1_000, compute), cache.wrap('teams', 1_000, compute)]);
    expect(first).toEqual([]);
    expect(second).toBe(first);
    await cache.wrap('teams', 1_000, compute);
    expect(computations).toBe(1);
    cache.clear();
    expect(cache.get('teams')).toBeUndefined();
  });

  it('does not cache a failed computation', async () => {
    const cache = createPluginCache();
    await expect(cache.wrap('x', undefined, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(cache.wrap('x', undefined, async () => 'ok')).resolves.toBe('ok');
  });

  it('evicts the oldest entry beyond its bound', () => {
    const cache = createPluginCache({ maxEntries: 2 });
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('c', 3);
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([undefined, 2, 3]);
  });
});
