import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createHttpClient } from '../../src/host/http-client.js';
import { startMockRestApi, type MockAuth, type MockRestApi } from '../../test/support/mock-rest-api/index.js';
import { createAuthenticator } from './custom-auth.js';
import { resolveCustomSettings } from './custom-config.js';
import { createHttpTransport } from './custom-http.js';
import { collectRecords, createRecordingLogger, setUpCustom, validatedConfig } from './custom-test-support.js';
import { OCEAN_CORPUS_DIR } from '../../test/support/fixtures.js';

const corpus = path.join(OCEAN_CORPUS_DIR, 'custom');

let mock: MockRestApi | undefined;
afterEach(async () => {
  await mock?.close();
  mock = undefined;
});

async function api(auth: MockAuth): Promise<MockRestApi> {
  mock = await startMockRestApi({ auth });
  return mock;
}

const CLIENT = { clientId: 'client-1', clientSecret: 'secret-1' };
const customAuth = (extra: Record<string, unknown> = {}, template: Record<string, unknown> = { headers: { Authorization: 'Bearer {{.access_token}}' } }) => ({
  authType: 'custom',
  customAuthRequest: { endpoint: '/oauth/token', body: { client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret }, ...extra },
  customAuthRequestTemplate: template,
});

describe('custom plugin: authentication', () => {
  test('none: nothing is added; an API that wants credentials answers 401, reported with the status', async () => {
    const { url } = await api({ type: 'bearer', token: 'right' });
    const { instance } = await setUpCustom({ baseUrl: url });
    await expect(collectRecords(instance, '/none/items')).rejects.toMatchObject({ code: 'CUSTOM_HTTP_ERROR', status: 401, message: expect.stringMatching(/^GET http:\/\/127\.0\.0\.1:\d+\/none\/items answered 401/) });
  });

  test('bearer_token: Authorization: Bearer <apiToken>', async () => {
    const server = await api({ type: 'bearer', token: 'tok-123' });
    const { instance } = await setUpCustom({ baseUrl: server.url, authType: 'bearer_token', apiToken: 'tok-123' });
    expect(await collectRecords(instance, '/none/items', { query_params: { total: 3 } })).toHaveLength(3);
    expect(server.requests[0]!.headers['authorization']).toBe('Bearer tok-123');
  });

  test('basic: username and password', async () => {
    const server = await api({ type: 'basic', username: 'api-user', password: 'p@ss:word' });
    const { instance } = await setUpCustom({ baseUrl: server.url, authType: 'basic', username: 'api-user', password: 'p@ss:word' });
    expect(await collectRecords(instance, '/none/items', { query_params: { total: 2 } })).toHaveLength(2);
  });

  test('api_key: X-API-Key by default, apiKeyHeader for another header', async () => {
    let server = await api({ type: 'api_key', header: 'X-API-Key', key: 'k-1' });
    expect(await collectRecords((await setUpCustom({ baseUrl: server.url, authType: 'api_key', apiKey: 'k-1' })).instance, '/none/items', { query_params: { total: 1 } })).toHaveLength(1);
    await server.close();
    server = mock = await startMockRestApi({ auth: { type: 'api_key', header: 'Private-Token', key: 'k-2' } });
    const { instance } = await setUpCustom({ baseUrl: server.url, authType: 'api_key', apiKey: 'k-2', apiKeyHeader: 'Private-Token' });
    expect(await collectRecords(instance, '/none/items', { query_params: { total: 1 } })).toHaveLength(1);
    expect(server.requests[0]!.headers['private-token']).toBe('k-2');
  });

  test('the required setting of each authType is checked before anything runs', () => {
    expect(() => validatedConfig({ baseUrl: 'https://x.test', authType: 'bearer_token' })).toThrow('missing required key "apiToken"');
    expect(() => validatedConfig({ baseUrl: 'https://x.test', authType: 'basic', username: 'u' })).toThrow('missing required key "password"');
    expect(() => validatedConfig({ baseUrl: 'https://x.test', authType: 'api_key' })).toThrow('missing required key "apiKey"');
    expect(() => validatedConfig({ baseUrl: 'https://x.test', authType: 'custom' })).toThrow('missing required key "customAuthRequest"');
    expect(() => validatedConfig({ baseUrl: 'https://x.test', authType: 'oauth2' })).toThrow('must be one of');
  });

  test("custom: the auth request's response fills {{.access_token}}; one authentication serves every page", async () => {
    const server = await api({ type: 'custom', ...CLIENT });
    const { instance } = await setUpCustom({ baseUrl: server.url, paginationType: 'offset', pageSize: '5', ...customAuth() });
    expect(await collectRecords(instance, '/offset/items', { data_path: '.data', query_params: { total: 23 } })).toHaveLength(23);
    expect(server.tokenRequests).toBe(1);
    const tokenRequest = server.requests.find((request) => request.path === '/oauth/token')!;
    expect(tokenRequest).toMatchObject({ method: 'POST', body: { client_id: 'client-1', client_secret: 'secret-1' } });
    expect(tokenRequest.headers['content-type']).toContain('application/json');
    expect(server.requests.filter((r) => r.path === '/offset/items').every((r) => r.headers['authorization'] === 'Bearer token-1')).toBe(true);
  });

  test('custom: bodyForm is sent form-encoded; the token can go in a query parameter', async () => {
    const server = await api({ type: 'custom', ...CLIENT });
    const config = {
      baseUrl: server.url,
      authType: 'custom',
      customAuthRequest: { endpoint: '/oauth/token', bodyForm: 'grant_type=client_credentials&client_id=client-1&client_secret=secret-1' },
      customAuthRequestTemplate: { queryParams: { api_token: '{{.access_token}}' } },
    };
    const { instance } = await setUpCustom(config);
    expect(await collectRecords(instance, '/none/items', { query_params: { total: 2 } })).toHaveLength(2);
    const tokenRequest = server.requests.find((request) => request.path === '/oauth/token')!;
    expect(tokenRequest.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(tokenRequest.body).toMatchObject({ grant_type: 'client_credentials' });
    expect(server.requests.find((r) => r.path === '/none/items')!.query).toEqual({ total: '2', api_token: 'token-1' });
  });

  test('custom: the auth request with GET, query parameters and headers', async () => {
    const server = await api({ type: 'custom', ...CLIENT });
    const config = {
      baseUrl: server.url,
      authType: 'custom',
      customAuthRequest: { endpoint: 'oauth/token', method: 'get', queryParams: { client_id: 'client-1', client_secret: 'secret-1' }, headers: { 'X-Auth-Flow': 'marina-test' } },
      customAuthRequestTemplate: { headers: { Authorization: 'Bearer {{.access_token}}' } },
    };
    expect(await collectRecords((await setUpCustom(config)).instance, '/none/items', { query_params: { total: 1 } })).toHaveLength(1);
    const tokenRequest = server.requests.find((request) => request.path === '/oauth/token')!;
    expect(tokenRequest).toMatchObject({ method: 'GET', query: { client_id: 'client-1', client_secret: 'secret-1' }, headers: { 'x-auth-flow': 'marina-test' } });
  });

  test("custom: template body values are merged into the selector's JSON body", async () => {
    const server = await api({ type: 'custom', ...CLIENT });
    const { instance } = await setUpCustom({ baseUrl: server.url, ...customAuth({}, { body: { auth_token: '{{.access_token}}', kind: 'static' } }) });
    const [record] = await collectRecords(instance, '/echo', { method: 'POST', body: { q: 'x' } });
    expect(record!['body']).toEqual({ q: 'x', auth_token: 'token-1', kind: 'static' });
  });

  test('custom: a 401 renews the credentials once and the request goes through', async () => {
    const server = await api({ type: 'custom', ...CLIENT });
    const { instance } = await setUpCustom({ baseUrl: server.url, paginationType: 'page', pageSize: '5', ...customAuth() });
    const handler = instance.resync['*']!;
    const pages = handler({ kind: '/page/items', selector: { query: 'true', data_path: '.data', query_params: { total: 15 } }, resourceIndex: 0, resource: {}, signal: new AbortController().signal });
    const seen: number[] = [];
    for await (const page of pages) {
      seen.push(page.length);
      if (seen.length === 1) server.revokeTokens();
    }
    expect(seen).toEqual([5, 5, 5]);
    expect(server.tokenRequests).toBe(2);
    // Page 2 is refused with token-1 and sent again with token-2; page 4 finds the end.
    expect(server.requests.filter((r) => r.path === '/page/items').map((r) => `${r.query['page']} ${r.headers['authorization']}`)).toEqual([
      '1 Bearer token-1',
      '2 Bearer token-1',
      '2 Bearer token-2',
      '3 Bearer token-2',
      '4 Bearer token-2',
    ]);
  });

  test('custom: renewed before expiry, from reauthenticateIntervalSeconds or else the response expires_in', async () => {
    const server = await api({ type: 'custom', ...CLIENT, ttlSeconds: 3600 });
    let clock = 1_000_000;
    const make = async (extra: Record<string, unknown>) => {
      const settings = resolveCustomSettings(validatedConfig({ baseUrl: server.url, ...customAuth(extra) }));
      const logger = createRecordingLogger();
      const signal = new AbortController().signal;
      const transport = createHttpTransport({ http: createHttpClient({ env: {}, signal, logger }), settings, logger, signal });
      return createAuthenticator({ settings, transport, logger, signal, now: () => clock });
    };
    const request = { method: 'GET' as const, url: `${server.url}/none/items`, query: {}, headers: {} };
    // expires_in 3600: renewed 60 s before the end.
    const fromResponse = await make({});
    expect((await fromResponse.apply(request)).request.headers['Authorization']).toBe('Bearer token-1');
    clock += 3539_000;
    expect((await fromResponse.apply(request)).request.headers['Authorization']).toBe('Bearer token-1');
    clock += 2_000;
    expect((await fromResponse.apply(request)).request.headers['Authorization']).toBe('Bearer token-2');
    // The configured interval wins over expires_in; a 40 s life is renewed at half of it.
    const configured = await make({ reauthenticateIntervalSeconds: 40 });
    expect((await configured.apply(request)).request.headers['Authorization']).toBe('Bearer token-3');
    clock += 19_000;
    expect((await configured.apply(request)).request.headers['Authorization']).toBe('Bearer token-3');
    clock += 2_000;
    expect((await configured.apply(request)).request.headers['Authorization']).toBe('Bearer token-4');
  });

  test('custom: concurrent requests share one authentication', async () => {
    const server = await api({ type: 'custom', ...CLIENT });
    const { instance } = await setUpCustom({ baseUrl: server.url, maxConcurrentRequests: '8', ...customAuth() });
    const records = await collectRecords(instance, '/api/v1/teams/{team_id}/members', { data_path: '.members', path_parameters: { team_id: { endpoint: '/api/v1/teams', data_path: '.teams', field: '.id' } } });
    expect(records).toHaveLength(15);
    expect(server.tokenRequests).toBe(1);
  });

  test('custom: a refused authentication request, a template path the response lacks and a malformed template are clear errors', async () => {
    const server = await api({ type: 'custom', ...CLIENT });
    const wrong = await setUpCustom({ baseUrl: server.url, ...customAuth({ body: { client_id: 'client-1', client_secret: 'nope' } }) });
    await expect(collectRecords(wrong.instance, '/none/items')).rejects.toMatchObject({
      code: 'CUSTOM_AUTH_FAILED',
      message: expect.stringMatching(/authentication request POST http:\/\/127\.0\.0\.1:\d+\/oauth\/token answered 401: .*invalid_client/),
    });
    const missing = await setUpCustom({ baseUrl: server.url, ...customAuth({}, { headers: { Authorization: 'Bearer {{.data.token}}' } }) });
    await expect(collectRecords(missing.instance, '/none/items')).rejects.toMatchObject({
      code: 'CUSTOM_AUTH_FAILED',
      message: expect.stringContaining('has no value at .data.token (its keys: access_token, expires_in, token_type)'),
    });
    await expect(setUpCustom({ baseUrl: server.url, ...customAuth({}, { headers: { Authorization: 'Bearer {{access_token}}' } }) })).rejects.toMatchObject({
      code: 'CUSTOM_CONFIG_INVALID',
      message: expect.stringContaining('customAuthRequestTemplate.headers.Authorization: invalid template "{{access_token}}"'),
    });
    expect(() => validatedConfig({ baseUrl: server.url, ...customAuth({ retries: 3 }) })).toThrow('unknown key "retries"');
    await expect(setUpCustom({ baseUrl: server.url, ...customAuth({ bodyForm: 'a=b' }) })).rejects.toMatchObject({ code: 'CUSTOM_CONFIG_INVALID', message: expect.stringContaining("both 'body' and 'bodyForm'") });
  });

  test('custom: the auth endpoint may be a full URL on another host', async () => {
    const tokens = await api({ type: 'custom', ...CLIENT });
    const data = await startMockRestApi({ auth: { type: 'bearer', token: 'token-1' } });
    try {
      const { instance } = await setUpCustom({ baseUrl: data.url, ...customAuth({ endpoint: `${tokens.url}/oauth/token` }) });
      expect(await collectRecords(instance, '/none/items', { query_params: { total: 4 } })).toHaveLength(4);
    } finally {
      await data.close();
    }
  });

  test("Ocean's custom-auth smoke case runs unchanged: /oauth/token, then /api/data with the Bearer token", async () => {
    const smoke = JSON.parse(readFileSync(path.join(corpus, 'samples/tests/test_smoke_custom_auth__mock_auth_server__L77.json'), 'utf8')) as {
      auth_endpoint: string;
      auth_response: Record<string, unknown>;
      protected_endpoint: string;
      protected_response: { data: unknown[] };
    };
    mock = await startMockRestApi({ smoke });
    const { instance } = await setUpCustom({
      baseUrl: mock.url,
      authType: 'custom',
      customAuthRequest: { endpoint: smoke.auth_endpoint, method: 'POST', body: { grant_type: 'client_credentials' } },
      customAuthRequestTemplate: { headers: { Authorization: 'Bearer {{.access_token}}' } },
    });
    expect(await collectRecords(instance, smoke.protected_endpoint, { data_path: '.data' })).toEqual(smoke.protected_response.data);
  });
});
