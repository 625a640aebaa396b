import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { parse } from 'yaml';
import { readOceanEnv } from '../../src/config/ocean-env.js';
import { createMappingEngine, parsePortAppConfig, type MappingEngine, type PortEntity, type ResourceConfig } from '../../src/mapping/index.js';
import { CANNY, HUBSPOT, SLACK, ZENDESK } from '../../test/support/mock-rest-api/examples.js';
import { startMockRestApi, type MockRestApi } from '../../test/support/mock-rest-api/index.js';
import { TEAMS } from '../../test/support/mock-rest-api/records.js';
import { setUpCustom } from './custom-test-support.js';
import { OCEAN_CORPUS_DIR } from '../../test/support/fixtures.js';

// Ocean Custom's bundled examples, unchanged but for the API's address, against look-alikes of
// their APIs; records go through Marina's mapping engine as in a resync.

const examples = path.join(OCEAN_CORPUS_DIR, 'custom', 'examples');
const read = (file: string) => readFileSync(path.join(examples, file), 'utf8');

let mock: MockRestApi;
let engine: MappingEngine;
beforeAll(async () => {
  mock = await startMockRestApi();
  engine = createMappingEngine({ workers: 1 });
});
afterAll(async () => {
  await mock.close();
  await engine.close();
});
beforeEach(() => {
  mock.reset();
});

/** The integration config an Ocean env file gives, read by the host exactly as in the daemon. */
function configFromEnvFile(file: string, overrides: Record<string, string>): Record<string, unknown> {
  const env = { ...parseEnv(read(file)), ...overrides };
  const { config } = readOceanEnv(env, { pluginDirectories: [], dataDir: '/tmp/unused' });
  return config.integrations[0]!.config;
}

/** Every resource block of `mappingFile`: the plugin's records, then the mapping engine's entities. */
async function runMapping(config: Record<string, unknown>, mappingFile: string): Promise<Map<string, PortEntity[]>> {
  const mapping = parsePortAppConfig(read(mappingFile), mappingFile);
  const { instance } = await setUpCustom(config);
  const out = new Map<string, PortEntity[]>();
  for (const [index, resource] of mapping.resources.entries()) {
    const handler = instance.resync['*']!;
    const entities: PortEntity[] = [];
    for await (const page of handler({ kind: resource.kind, selector: resource.selector, resourceIndex: index, resource: resource as unknown as Record<string, unknown>, signal: new AbortController().signal })) {
      const mapped = await engine.mapPage(resource as ResourceConfig, page);
      expect(mapped.itemErrors).toEqual([]);
      entities.push(...mapped.passed);
    }
    out.set(resource.kind, entities);
  }
  return out;
}

const identifiers = (entities: PortEntity[] | undefined) => (entities ?? []).map((entity) => entity.identifier);

describe('custom plugin: Ocean Custom examples run unchanged', () => {
  test("canny: POST list endpoints, the API key in baseUrl's query string (Canny's installation guide, Option A)", async () => {
    const entities = await runMapping({ baseUrl: `${mock.url}/canny/api/v1?apiKey=${CANNY.apiKey}`, authType: 'none' }, 'canny/port-app-config.yml');
    expect(identifiers(entities.get('/boards/list'))).toEqual(['board-0', 'board-1']);
    expect(identifiers(entities.get('/votes/list'))).toHaveLength(4);
    const post = entities.get('/posts/list')![1]!;
    expect(post).toMatchObject({
      identifier: 'post-1',
      blueprint: 'ocean_cannyPost',
      properties: { status: 'planned', authorEmail: 'author1@example.com', tags: ['ui', 't1'], voteCount: 3 },
      relations: { board: 'board-1', category: 'cat-1' },
    });
    expect(entities.get('/votes/list')![0]!.title).toBe('Voter 0 voted');
    expect(mock.requests.filter((r) => r.path.startsWith('/canny/')).every((r) => r.method === 'POST' && r.query['apiKey'] === CANNY.apiKey)).toBe(true);
  });

  test('slack: the env file (bearer token, cursor pagination) with the Slack mapping', async () => {
    const config = configFromEnvFile('slack-integration.env', { OCEAN__INTEGRATION__TYPE: 'custom', OCEAN__INTEGRATION__CONFIG__BASE_URL: `${mock.url}/slack`, OCEAN__INTEGRATION__CONFIG__API_TOKEN: SLACK.token });
    expect(config).toMatchObject({ authType: 'bearer_token', paginationType: 'cursor', pageSize: '100', cursorParam: 'cursor', limitParam: 'limit' });
    for (const mapping of ['slack/port-app-config.yml', 'slack-integration.yaml']) {
      const entities = await runMapping(config, mapping);
      expect(identifiers(entities.get('/api/users.list'))).toEqual(SLACK.members.map((m) => m.id));
      expect(identifiers(entities.get('/api/conversations.list'))).toEqual(SLACK.channels.map((c) => c.id));
      expect(identifiers(entities.get('/api/team.info'))).toEqual(['T1']);
    }
  });

  test("slack: the helm values' cursor settings page through response_metadata.next_cursor", async () => {
    const helm = parse(read('slack/helm-values.yaml')) as { integration: { config: Record<string, unknown> } };
    // The helm values' base_url ends in /api while the kinds start with /api: as in Ocean, that
    // joins to /api/api/... So the API address is given without /api, as slack-integration.env does.
    const config = { ...helm.integration.config, base_url: `${mock.url}/slack`, page_size: 3, apiToken: SLACK.token };
    const entities = await runMapping(config, 'slack/port-app-config.yml');
    expect(identifiers(entities.get('/api/users.list'))).toEqual(SLACK.members.map((m) => m.id));
    const cursors = mock.requests.filter((r) => r.path === '/slack/api/users.list').map((r) => r.query['cursor'] ?? null);
    expect(cursors).toHaveLength(3);
    expect(cursors[0]).toBeNull();
  });

  test('hubspot: the helm values (snake_case keys, paging.next.after) with the HubSpot mapping', async () => {
    const helm = parse(read('hubspot/helm-values.yaml')) as { integration: { config: Record<string, unknown>; secrets: Record<string, unknown> } };
    const config = { ...helm.integration.config, ...helm.integration.secrets, base_url: `${mock.url}/hubspot`, apiToken: HUBSPOT.token, page_size: 2 };
    const entities = await runMapping(config, 'hubspot/port-app-config.yml');
    expect(identifiers(entities.get('/crm/v3/objects/contacts'))).toEqual(['100', '101', '102', '103', '104']);
    expect(entities.get('/crm/v3/objects/contacts')![0]).toMatchObject({ blueprint: 'ocean_hubspotContact', relations: { company: '200' }, properties: { email: 'c0@example.com' } });
    expect(identifiers(entities.get('/crm/v3/objects/companies'))).toEqual(['200', '201']);
    expect(entities.get('/crm/v3/objects/deals')).toEqual([]);
    expect(mock.requests.filter((r) => r.path === '/hubspot/crm/v3/objects/contacts').map((r) => r.query['after'] ?? null)).toEqual([null, '2', '4']);
  });

  test('zendesk: next_page links, and comments per ticket through path_parameters (the discovery has no data_path)', async () => {
    const entities = await runMapping({ baseUrl: `${mock.url}/zendesk`, paginationType: 'next_link', nextLinkPath: 'next_page' }, 'zendesk/port-app-config.yml');
    expect(identifiers(entities.get('/api/v2/tickets.json'))).toEqual(ZENDESK.tickets.map((t) => String(t.id)));
    const comments = entities.get('/api/v2/tickets/{ticket_id}/comments.json')!;
    expect(comments).toHaveLength(ZENDESK.tickets.length * 2);
    expect(comments[0]).toMatchObject({ identifier: '10000', title: 'Comment 0 on 1000', relations: { author: '10' }, properties: { via_channel: 'web' } });
  });

  test('dynamic-endpoints: members of the active teams, with the team relation from the injected value', async () => {
    const entities = await runMapping({ baseUrl: mock.url }, 'dynamic-endpoints.yaml');
    expect(identifiers(entities.get('/api/v1/teams'))).toEqual(TEAMS.map((t) => t.id));
    const members = entities.get('/api/v1/teams/{team_id}/members')!;
    expect(members).toHaveLength(TEAMS.filter((t) => t.status === 'active').length * 3);
    expect(new Set(members.map((m) => m.relations?.['team']))).toEqual(new Set(TEAMS.filter((t) => t.status === 'active').map((t) => t.id)));
  });

  test.each(['config-no-auth.env', 'config-bearer-token.env', 'config-basic-auth.env', 'config-api-key.env', 'config-custom-auth.env'])('%s is accepted as it is', async (file) => {
    const config = configFromEnvFile(file, { OCEAN__INTEGRATION__TYPE: 'custom' });
    const { instance } = await setUpCustom(config);
    expect(instance.resync['*']).toEqual(expect.any(Function));
  });
});
