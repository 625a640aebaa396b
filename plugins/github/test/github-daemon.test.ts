import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eventually } from '../../../test/support/eventually.js';
import { repoRoot } from '../../../test/host/host-test-support.js';
import { startDaemon } from '../../../test/host/daemon.js';
import { startGithubSimulator, type GithubSimulator } from '../../../test/support/github-simulator/index.js';

/**
 * The real daemon (`bin/marina start`, the plugin loaded by the real importer) against the
 * GitHub simulator and the embedded Port: resync with Ocean's default mapping, the webhook
 * registered at start, a signed delivery turned into an entity, a forged one refused; and
 * Ocean's environment variables (`OCEAN__INTEGRATION__TYPE=github`) run unchanged.
 */
const SECRET = 'daemon-webhook-secret-77';
const TOKEN = 'ghp_daemon_token_1234';

let simulator: GithubSimulator;
let dir: string;

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'marina-github-daemon-'));
  simulator = await startGithubSimulator({ tokens: [TOKEN] });
  const { world } = simulator;
  world.addOrg('acme', { description: 'Acme Inc.' });
  for (let r = 0; r < 3; r++) {
    const repo = world.addRepo('acme', `svc-${r}`);
    world.addPull(repo, world.buildPull(repo, 1, { title: `First change of svc-${r}` }));
  }
}, 240_000);
afterEach(async () => {
  await simulator.close();
  rmSync(dir, { recursive: true, force: true });
}, 240_000);

type Entity = { identifier: string; blueprint: string; title?: string; properties: Record<string, unknown>; relations: Record<string, unknown> };

function portUrlOf(lines: Record<string, any>[]): string | undefined {
  return lines.find((line) => String(line['msg']).startsWith('no Port organization configured: the embedded local Port runs at'))?.['url'];
}

async function entities(portUrl: string, blueprint: string): Promise<Entity[]> {
  const body = (await (await fetch(`${portUrl}/_emulator/entities?blueprint=${blueprint}`)).json()) as { entities: Entity[] };
  return body.entities;
}

function signed(payload: unknown, secret: string): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify(payload);
  return { body, headers: { 'content-type': 'application/json', 'x-github-event': 'pull_request', 'x-github-delivery': `d-${Date.now()}`, 'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` } };
}

test('resyncs with the default mapping, registers the webhook, and turns a signed delivery into an entity', async () => {
  const mapping = path.join(repoRoot, 'plugins/github/.port/resources/port-app-config.yml');
  const file = path.join(dir, 'marina.yaml');
  writeFileSync(
    file,
    `server: { port: 0, publicUrl: "https://marina.example.test/" }
plugins: { directories: [${JSON.stringify(path.join(repoRoot, 'plugins'))}], watch: false }
dataDir: ${JSON.stringify(path.join(dir, 'data'))}
shutdown: { timeoutSeconds: 5 }
integrations:
  - identifier: github-acme
    type: github
    eventListener: { type: POLLING }
    mapping: { file: ${JSON.stringify(mapping)} }
    config:
      githubHost: ${simulator.apiUrl}
      githubToken: ${TOKEN}
      githubOrganization: acme
      webhookSecret: ${SECRET}
`,
  );
  // Generous: a shared machine can take long to compile the sources with tsx.
  const daemon = await startDaemon(file, { listenTimeoutMs: 90_000 });
  try {
    const portUrl = portUrlOf(daemon.logLines());
    expect(portUrl).toBeDefined();
    await eventually(async () => (await entities(portUrl!, 'githubPullRequest')).length === 3, 'the resync in Port', 60_000);
    expect((await entities(portUrl!, 'githubOrganization')).map((entity) => [entity.identifier, entity.properties['description']])).toEqual([['acme', 'Acme Inc.']]);
    expect((await entities(portUrl!, 'githubRepository')).map((entity) => entity.identifier).sort()).toEqual(['svc-0', 'svc-1', 'svc-2']);

    // The organization webhook, at the public URL, for the events the plugin handles.
    const hooks = simulator.world.org('acme')!.hooks;
    expect(hooks).toHaveLength(1);
    expect(hooks[0]).toMatchObject({ config: { url: 'https://marina.example.test/integrations/github-acme/webhook/github', content_type: 'json' }, events: expect.arrayContaining(['pull_request', 'push', 'repository']) });
    expect(hooks[0]!['__secret']).toBe(SECRET);

    // A new pull request, delivered as GitHub would.
    const repo = simulator.world.repo('acme', 'svc-1')!;
    const pr = simulator.world.buildPull(repo, 2, { title: 'Second change' });
    simulator.world.addPull(repo, pr);
    const payload = { action: 'opened', number: 2, pull_request: pr, repository: repo.data, organization: { login: 'acme' }, sender: { login: 'mona' } };
    const forged = signed(payload, 'not-the-secret');
    expect((await fetch(`${daemon.url}/integrations/github-acme/webhook/github`, { method: 'POST', headers: forged.headers, body: forged.body })).status).toBe(401);
    const delivery = signed(payload, SECRET);
    expect((await fetch(`${daemon.url}/integrations/github-acme/webhook/github`, { method: 'POST', headers: delivery.headers, body: delivery.body })).status).toBe(202);
    await eventually(async () => (await entities(portUrl!, 'githubPullRequest')).some((entity) => entity.title === 'Second change'), 'the delivered pull request in Port', 30_000);
    const created = (await entities(portUrl!, 'githubPullRequest')).find((entity) => entity.title === 'Second change')!;
    expect(created).toMatchObject({ identifier: `svc-1${pr['id']}`, relations: { repository: 'svc-1' }, properties: { status: 'open' } });
  } finally {
    await daemon.stop();
  }
  expect(daemon.output()).not.toContain(TOKEN);
  expect(daemon.output()).not.toContain(SECRET);
}, 240_000);

test("Ocean's GitHub environment variables run unchanged", async () => {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'marina'), 'start'], {
    cwd: dir,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '',
      MARINA_FROM_SOURCE: '1',
      OCEAN__INTEGRATION__TYPE: 'github',
      OCEAN__INTEGRATION__IDENTIFIER: 'github-ocean',
      OCEAN__INTEGRATION__CONFIG__GITHUB_HOST: `${simulator.apiUrl}/`,
      OCEAN__INTEGRATION__CONFIG__GITHUB_TOKEN: TOKEN,
      OCEAN__INTEGRATION__CONFIG__GITHUB_ORGANIZATION: 'acme',
      OCEAN__INTEGRATION__CONFIG__WEBHOOK_SECRET: SECRET,
      OCEAN__INTEGRATION__CONFIG__RESYNC_RATELIMIT_RESERVATION_THRESHOLD: '90',
      OCEAN__EVENT_LISTENER__TYPE: 'POLLING',
      OCEAN__INITIALIZE_PORT_RESOURCES: 'true',
      OCEAN__BASE_URL: 'https://ocean.example.test',
      APPLICATION__PORT: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  try {
    const lines = () => output.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, any>);
    await eventually(async () => portUrlOf(lines()) !== undefined, 'the embedded Port', 90_000);
    const portUrl = portUrlOf(lines())!;
    // The plugin's default mapping, created in Port at first start, drives the resync.
    await eventually(async () => (await entities(portUrl, 'githubRepository')).length === 3, 'the resync in Port', 60_000);
    await eventually(async () => (await entities(portUrl, 'githubPullRequest')).length === 3, 'the pull requests in Port', 60_000);
    expect(simulator.world.org('acme')!.hooks[0]?.['config']).toMatchObject({ url: 'https://ocean.example.test/integrations/github-ocean/webhook/github' });
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
  expect(output).not.toContain(TOKEN);
  expect(readFileSync(path.join(dir, '.marina', 'integrations', 'github-ocean', 'http-cache', 'index.json'), 'utf8')).toContain('"version":1');
}, 240_000);
