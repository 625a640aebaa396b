import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { startDaemon, type Daemon } from '../host/daemon.js';
import { eventually } from '../support/eventually.js';
import { CANNY } from '../support/mock-rest-api/examples.js';
import { startMockRestApi, type MockRestApi } from '../support/mock-rest-api/index.js';
import { OCEAN_CORPUS_DIR } from '../support/fixtures.js';

// The custom plugin in the real daemon (`bin/marina start`, spawned), writing to a Port emulator:
// Ocean Custom's Canny example from a marina.yaml with a webhook, and Ocean Custom's own
// custom-auth env file run as Ocean runs it (no config file).

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const corpus = path.join(OCEAN_CORPUS_DIR, 'custom');
const WEBHOOK_SECRET = 'canny-hook-secret-51';

let emulator: Emulator;
let mock: MockRestApi;
let dir: string;
let daemon: Daemon | undefined;

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'marina-custom-'));
  emulator = await startEmulator();
  mock = await startMockRestApi();
});
afterEach(async () => {
  await daemon?.stop('SIGKILL');
  daemon = undefined;
  await mock.close();
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});

async function portToken(): Promise<string> {
  const response = await fetch(`${emulator.url}/v1/auth/access_token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ clientId: 'test-client', clientSecret: 'test-secret' }) });
  return ((await response.json()) as { accessToken: string }).accessToken;
}

async function portPost(route: string, body: unknown): Promise<void> {
  const response = await fetch(`${emulator.url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${await portToken()}` }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`${route}: ${response.status} ${await response.text()}`);
}

const integrationState = async (id: string) => (await daemon!.get(`/api/integrations/${id}`)) as { status: string; resync: { lastRun?: { status: string; errors?: unknown[] } | null } | null };

describe('custom plugin in the spawned daemon', () => {
  test("Canny example from marina.yaml: entities in Port, then a signed webhook adds a post", async () => {
    // The example's blueprints, relation targets first.
    const { blueprints } = JSON.parse(readFileSync(path.join(corpus, 'examples/canny/blueprints.json'), 'utf8')) as { blueprints: { identifier: string }[] };
    const order = ['ocean_cannyBoard', 'ocean_cannyCompany', 'ocean_cannyCategory', 'ocean_cannyPost', 'ocean_cannyVote'];
    for (const id of order) await portPost('/v1/blueprints', blueprints.find((b) => b.identifier === id));
    const config = path.join(dir, 'marina.yaml');
    writeFileSync(
      config,
      `server: { port: 0 }
port: { baseUrl: "${emulator.url}", clientId: test-client, clientSecret: test-secret }
plugins: { directories: ["${path.join(repoRoot, 'plugins')}"], watch: false }
integrations:
  - identifier: canny
    type: custom
    eventListener: { type: POLLING, interval: 3600 }
    mapping: { file: "${path.join(corpus, 'examples/canny/port-app-config.yml')}" }
    config:
      baseUrl: "${mock.url}/canny/api/v1?apiKey=${CANNY.apiKey}"
      authType: none
      webhookKind: '"/posts/list"'
      webhookRecord: .body.post
      webhookSecret: ${WEBHOOK_SECRET}
      webhookSignatureHeader: X-Canny-Signature
`,
    );
    daemon = await startDaemon(config);
    await daemon.waitFor('/api/integrations/canny', (body) => body.resync?.lastRun?.status === 'completed', 'the resync to complete');
    const ids = (blueprint: string) => emulator.entities(blueprint).map((entity) => entity.identifier).sort();
    expect(ids('ocean_cannyBoard')).toEqual(['board-0', 'board-1']);
    expect(ids('ocean_cannyPost')).toEqual(['post-0', 'post-1', 'post-2']);
    expect(ids('ocean_cannyVote')).toHaveLength(4);
    const post = emulator.entities('ocean_cannyPost').find((entity) => entity.identifier === 'post-1')!;
    expect(post).toMatchObject({ title: 'Post 1', properties: { status: 'planned', tags: ['ui', 't1'] }, relations: { board: 'board-1', category: 'cat-1' } });
    expect(post.datasource).toContain('custom');

    const body = JSON.stringify({ post: { ...CANNY.posts[0], id: 'post-9', title: 'From a webhook' } });
    const sign = (secret: string) => createHmac('sha256', secret).update(body).digest('hex');
    const hook = `${daemon.url}/integrations/canny/webhook/events`;
    const refused = await fetch(hook, { method: 'POST', headers: { 'content-type': 'application/json', 'x-canny-signature': sign('wrong') }, body });
    expect(refused.status).toBe(401);
    const accepted = await fetch(hook, { method: 'POST', headers: { 'content-type': 'application/json', 'x-canny-signature': sign(WEBHOOK_SECRET) }, body });
    expect(accepted.status).toBe(202);
    await eventually(() => ids('ocean_cannyPost').includes('post-9'), 'the webhook post in Port', 20_000);
    expect(emulator.entities('ocean_cannyPost').find((entity) => entity.identifier === 'post-9')?.title).toBe('From a webhook');
    // The API key was in baseUrl's query string: it never reaches the logs.
    expect(daemon.output()).not.toContain(CANNY.apiKey);
    expect(daemon.output()).not.toContain(WEBHOOK_SECRET);
  }, 90_000);

  test("Ocean Custom's custom-auth env file, as Ocean runs it: Port's own API as the REST API", async () => {
    // config-custom-auth.env authenticates against Port (POST /v1/auth/access_token) and sends
    // "Bearer {{.accessToken}}": pointed at the emulator, it reads the emulator's blueprints.
    await portPost('/v1/blueprints', { identifier: 'api_blueprint', title: 'API blueprint', schema: { properties: { description: { type: 'string' } }, required: [] }, relations: {} });
    await portPost('/v1/integration', {
      identifier: 'my-custom-integration',
      installationAppType: 'custom',
      config: {
        resources: [
          {
            kind: '/v1/blueprints',
            selector: { query: 'true', data_path: '.blueprints' },
            port: { entity: { mappings: { identifier: '.identifier', title: '.title', blueprint: '"api_blueprint"', properties: { description: '.description' } } } },
          },
        ],
      },
    });
    const env = readFileSync(path.join(corpus, 'examples/config-custom-auth.env'), 'utf8')
      .replace(/^OCEAN__PORT__BASE_URL=.*$/m, `OCEAN__PORT__BASE_URL="${emulator.url}"`)
      .replace(/^OCEAN__INTEGRATION__CONFIG__BASE_URL=.*$/m, `OCEAN__INTEGRATION__CONFIG__BASE_URL=${emulator.url}`);
    writeFileSync(path.join(dir, '.env'), env);
    daemon = await startDaemon(null, { cwd: dir, env: { OCEAN__INTEGRATION__TYPE: 'custom', APPLICATION__PORT: '0' } });
    await daemon.waitFor('/api/integrations/my-custom-integration', (body) => body.resync?.lastRun?.status === 'completed', 'the resync to complete');
    const state = await integrationState('my-custom-integration');
    expect(state.status).toBe('running');
    expect(emulator.entities('api_blueprint').map((entity) => entity.identifier)).toEqual(['api_blueprint']);
    expect(daemon.output()).not.toContain('your-port-client-secret');
  }, 90_000);
});
