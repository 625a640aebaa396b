import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPluginSpec, sensitiveKeys, specToConfigSchema } from '../../src/config/index.js';
import { resolveCustomSettings } from './custom-config.js';
import { validatedConfig } from './custom-test-support.js';
import custom from './index.js';
import { OCEAN_CORPUS_DIR } from '../../test/support/fixtures.js';

const pluginDir = path.dirname(fileURLToPath(import.meta.url));
const corpus = path.join(OCEAN_CORPUS_DIR, 'custom');

describe('custom plugin: .port files and config', () => {
  test.each([
    ['.port/spec.yaml', 'spec.yaml'],
    ['.port/resources/blueprints.json', 'blueprints.json'],
    ['.port/resources/port-app-config.yml', 'port-app-config.yml'],
  ])("%s is Ocean Custom's own file, unchanged", (shipped, original) => {
    expect(readFileSync(path.join(pluginDir, shipped), 'utf8')).toBe(readFileSync(path.join(corpus, original), 'utf8'));
  });

  test("the plugin's schema has every setting of the spec, with the spec's type, default and sensitivity", async () => {
    const spec = await readPluginSpec(pluginDir);
    if (!spec.ok) throw new Error(JSON.stringify(spec.problems));
    const fromSpec = specToConfigSchema(spec.spec.configurations) as { properties: Record<string, Record<string, unknown>>; required: string[] };
    const ours = custom.configSchema as { properties: Record<string, Record<string, unknown>>; required: string[] };
    expect(spec.spec.configurations).toHaveLength(22);
    for (const [name, property] of Object.entries(fromSpec.properties)) {
      const mine = ours.properties[name];
      expect([name, mine?.['type'], mine?.['x-ocean-type'], mine?.['default'], mine?.['sensitive'] === true]).toEqual([
        name,
        property['type'],
        property['x-ocean-type'],
        property['default'],
        property['sensitive'] === true,
      ]);
    }
    expect(ours.required).toEqual(fromSpec.required);
    expect(sensitiveKeys(custom.configSchema!).sort()).toEqual(['apiKey', 'apiToken', 'password', 'webhookSecret']);
  });

  test("defaults are Ocean's", () => {
    const settings = resolveCustomSettings(validatedConfig({ baseUrl: 'https://api.example.com/' }));
    expect(settings).toMatchObject({
      baseUrl: 'https://api.example.com',
      baseQuery: [],
      auth: { type: 'none' },
      timeoutMs: 30_000,
      verifySsl: true,
      maxConcurrentRequests: 10,
      webhook: undefined,
      pagination: { type: 'none', pageSize: 100, startPage: 1, nextLinkPath: '@odata.nextLink', headerLinkRel: 'next', cursorPath: undefined, hasMorePath: undefined, lastPagePath: undefined },
    });
    const offset = resolveCustomSettings(validatedConfig({ baseUrl: 'https://a.test', paginationType: 'offset' })).pagination;
    expect([offset.paginationParam, offset.sizeParam]).toEqual(['offset', 'limit']);
    const page = resolveCustomSettings(validatedConfig({ baseUrl: 'https://a.test', paginationType: 'page' })).pagination;
    expect([page.paginationParam, page.sizeParam]).toEqual(['page', 'size']);
    const cursor = resolveCustomSettings(validatedConfig({ baseUrl: 'https://a.test', paginationType: 'cursor' })).pagination;
    expect([cursor.paginationParam, cursor.sizeParam]).toEqual(['cursor', 'limit']);
    expect(resolveCustomSettings(validatedConfig({ baseUrl: 'https://a.test', api_key_header: 'X-Key', authType: 'api_key', apiKey: 'k' })).auth).toEqual({ type: 'api_key', header: 'X-Key', key: 'k' });
  });

  test("as in Ocean, numbers may be given as strings or numbers and objects as JSON strings (environment variables)", () => {
    const settings = resolveCustomSettings(
      validatedConfig({
        base_url: 'https://api.example.com',
        auth_type: 'custom',
        custom_auth_request: '{"endpoint": "/token", "method": "get", "reauthenticateIntervalSeconds": 600}',
        custom_auth_request_template: '{"headers": {"Authorization": "Bearer {{.accessToken}}"}}',
        page_size: 25,
        timeout: '2.5',
        max_concurrent_requests: '4',
        verify_ssl: 'false',
        start_page: '0',
      }),
    );
    expect(settings).toMatchObject({
      timeoutMs: 2500,
      maxConcurrentRequests: 4,
      verifySsl: false,
      pagination: { pageSize: 25, startPage: 0 },
      auth: { type: 'custom', request: { endpoint: '/token', method: 'GET', reauthenticateIntervalSeconds: 600 }, template: { headers: { Authorization: 'Bearer {{.accessToken}}' } } },
    });
  });

  test('bad values are refused with the setting named', () => {
    expect(() => validatedConfig({ baseUrl: 'api.example.com' })).toThrow('baseUrl: must be an absolute URL with a host');
    expect(() => validatedConfig({ baseUrl: 'https://a.test', pageSize: 'lots' })).toThrow('pageSize: must match the pattern');
    expect(() => validatedConfig({ baseUrl: 'https://a.test', maxConcurrentRequests: '0' })).toThrow('maxConcurrentRequests: must match the pattern');
    expect(() => validatedConfig({ baseUrl: 'https://a.test', timeout: '-1' })).toThrow('timeout: must match the pattern');
    expect(() => validatedConfig({ baseUrl: 'https://a.test', paginationType: 'keyset' })).toThrow('paginationType: must be one of');
    expect(() => validatedConfig({ baseUrl: 'https://a.test', verifySsl: 'maybe' })).toThrow('verifySsl: must be a boolean');
    expect(() => validatedConfig({ baseUrl: 'https://a.test', pagesize: 3, pagination: 'x' })).toThrow('unknown key "pagination"');
    expect(() => resolveCustomSettings(validatedConfig({ baseUrl: 'https://a.test', authType: 'custom', customAuthRequest: { endpoint: '/t' }, customAuthRequestTemplate: {} }))).toThrow(
      "customAuthRequestTemplate needs at least one of 'headers', 'queryParams' or 'body'",
    );
  });

  test('webhook settings: live events need webhookKind; a secret needs a header to check it in', () => {
    expect(() => resolveCustomSettings(validatedConfig({ baseUrl: 'https://a.test', webhookSecret: 's' }))).toThrow('webhookSecret is set but webhookKind is not');
    expect(() => resolveCustomSettings(validatedConfig({ baseUrl: 'https://a.test', webhookKind: '"/users"', webhookSecret: 's' }))).toThrow('webhookSecret needs webhookSignatureHeader');
    expect(() => resolveCustomSettings(validatedConfig({ baseUrl: 'https://a.test', webhookKind: '"/users"', webhookSecretHeader: 'x-token' }))).toThrow('webhookSecretHeader needs webhookSecret');
    expect(() => validatedConfig({ baseUrl: 'https://a.test', webhookKind: '"/users"', webhookPath: 'events' })).toThrow('webhookPath: must match the pattern ^/');
    expect(resolveCustomSettings(validatedConfig({ baseUrl: 'https://a.test', webhookKind: '"/users"' })).webhook).toMatchObject({ path: '/events', record: '.body', deleted: 'false', signatureAlgorithm: 'sha256' });
  });
});
