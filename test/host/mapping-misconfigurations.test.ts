import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { createPortClient, createRateBudget, type PortClient } from '../../src/port/index.js';
import { eventually } from '../support/eventually.js';
import { startDaemon, type Daemon } from './daemon.js';
import { repoRoot } from './host-test-support.js';

/** The daemon boots from source (tsx): on a loaded machine that takes well over the helper's 20 s default. */
const LISTEN_TIMEOUT_MS = 90_000;


/**
 * Mapping misconfigurations in the real daemon (`bin/marina start`, the fake plugin through the
 * real importer, a Port emulator over HTTP): logged once per field per kind per run with a count
 * and an example, ERROR for what the blueprint requires; counted in the run record, the
 * integration's status and `/metrics`; the same for live events; and in `sail`'s summary.
 */

const CLIENT = { clientId: 'misconf-client', clientSecret: 'misconf-secret-5e1d' };
const TEST_IDENTITY = { identifier: 'misconf-test', type: 'test', version: '0.0.0' };

// 30 persons (emp-0000001 to emp-0000030) in pages of 10: `badge` is null for the 3 whose id
// ends in 0, `nickname` for every one.
const MAPPING = `resources:
  - kind: fake-person
    selector:
      query: 'true'
    port:
      entity:
        mappings:
          identifier: .id
          title: .name
          blueprint: '"misconf-person"'
          properties:
            name: .name
            badge: 'if (.id | endswith("0")) then null else .id end'
            nickname: .nickname
`;

let emulator: Emulator;
let client: PortClient;
let dir: string;
let configFile: string;

beforeAll(async () => {
  emulator = await startEmulator({ credentials: [CLIENT] });
  client = createPortClient({ baseUrl: emulator.url, ...CLIENT, budget: createRateBudget({ limits: false }) });
  await client.request({
    method: 'POST',
    path: '/v1/blueprints',
    integration: TEST_IDENTITY,
    body: {
      identifier: 'misconf-person',
      title: 'Person with a badge',
      schema: { properties: { name: { type: 'string' }, badge: { type: 'string' }, nickname: { type: 'string' } }, required: ['badge'] },
      relations: {},
    },
  });
  dir = mkdtempSync(path.join(tmpdir(), 'marina-misconf-'));
  writeFileSync(path.join(dir, 'mapping.yml'), MAPPING);
  configFile = path.join(dir, 'marina.yaml');
  writeFileSync(
    configFile,
    `server: { port: 0 }
port: { baseUrl: ${emulator.url}, clientId: ${CLIENT.clientId}, clientSecret: ${CLIENT.clientSecret} }
plugins: { watch: false, directories: [${JSON.stringify(path.join(repoRoot, 'plugins'))}] }
integrations:
  - identifier: misconf
    type: fake
    initializePortResources: false
    mapping: { file: mapping.yml }
    config: { entityCount: { fake-person: 30 }, pageSize: 10 }
`,
  );
}, 120_000);

afterAll(async () => {
  client?.close();
  await emulator?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const blueprintReads = () => emulator.requests(1000).filter((request) => request.method === 'GET' && request.path === '/v1/blueprints/misconf-person').length;

function metric(text: string, labels: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`marina_mapping_misconfigurations_total{${labels}}`));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

describe('mapping misconfigurations', () => {
  let daemon: Daemon;
  afterAll(async () => {
    await daemon?.stop();
  });

  test('a resync logs each misconfigured field once with its count and an example, and counts it in the run record and metrics', async () => {
    daemon = await startDaemon(configFile, { listenTimeoutMs: LISTEN_TIMEOUT_MS });
    const status = await daemon.waitFor('/api/integrations/misconf', (body) => body.resync?.lastRun?.status !== undefined, 'the first resync');
    const run = status.resync.lastRun;
    const block = run.progress.kinds[0];
    expect(block).toMatchObject({ kind: 'fake-person', records: 30, mapped: 30, upserted: 27, failed: 3 });
    expect(block.misconfigurations).toEqual([
      { kind: 'fake-person', resourceIndex: 0, field: 'properties.badge', expression: 'if (.id | endswith("0")) then null else .id end', severity: 'error', count: 3, example: 'emp-0000010', blueprint: 'misconf-person' },
      { kind: 'fake-person', resourceIndex: 0, field: 'properties.nickname', expression: '.nickname', severity: 'warning', count: 30, example: 'emp-0000001', blueprint: 'misconf-person' },
    ]);
    // The run API shows the same record.
    const byId = await daemon.get(`/integrations/misconf/resync/${run.runId}`);
    expect(byId.progress.kinds[0].misconfigurations).toEqual(block.misconfigurations);

    // Three pages, yet one line per field, at the level its severity says.
    await daemon.waitForOutput('gave null for properties.nickname');
    const lines = daemon.logLines().filter((line) => typeof line['field'] === 'string' && line['scope'] === 'resync');
    expect(lines.map((line) => [line['level'], line['field'], line['count'], line['example']])).toEqual([
      [50, 'properties.badge', 3, 'emp-0000010'],
      [40, 'properties.nickname', 30, 'emp-0000001'],
    ]);
    expect(lines[0]!['msg']).toBe(
      'mapping of kind "fake-person" (resource 0) gave null for properties.badge (if (.id | endswith("0")) then null else .id end) in 3 items, e.g. "emp-0000010": blueprint "misconf-person" requires properties.badge',
    );
    expect(lines[0]!['integration']).toBe('misconf');
    // The blueprint was read once for the run, not once per page.
    expect(blueprintReads()).toBe(1);

    const metrics = await (await fetch(`${daemon.url}/metrics`)).text();
    expect(metric(metrics, 'integration="misconf",kind="fake-person",severity="error"')).toBe(3);
    expect(metric(metrics, 'integration="misconf",kind="fake-person",severity="warning"')).toBe(30);
  }, 120_000);

  test('live events log and count them too, also when Port refuses the entity for the missing required field', async () => {
    const hook = `${daemon.url}/integrations/misconf/webhook/fake`;
    const send = async (id: string) => {
      const response = await fetch(hook, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'fake-person', id }) });
      expect(response.status).toBe(202);
    };
    await send('emp-0000007');
    await daemon.waitFor('/api/integrations/misconf', (body) => body.live?.handled === 1, 'the live event handled');
    await send('emp-0000020');
    const status = await daemon.waitFor('/api/integrations/misconf', (body) => body.live?.deadLetters === 1 && body.live.misconfigurations.length === 2, 'the refused event counted');
    expect(status.live.deadLetterList[0].reason).toContain('required property "badge" is missing');
    expect(status.live.misconfigurations).toEqual([
      { kind: 'fake-person', resourceIndex: 0, field: 'properties.nickname', expression: '.nickname', severity: 'warning', count: 2, example: 'emp-0000007', blueprint: 'misconf-person' },
      { kind: 'fake-person', resourceIndex: 0, field: 'properties.badge', expression: 'if (.id | endswith("0")) then null else .id end', severity: 'error', count: 1, example: 'emp-0000020', blueprint: 'misconf-person' },
    ]);
    // The first occurrence of each field is logged at once; the second nickname is only counted.
    await eventually(() => daemon.logLines().filter((line) => line['scope'] === 'live events').length === 2, 'the live misconfiguration lines');
    expect(daemon.logLines().filter((line) => line['scope'] === 'live events').map((line) => [line['level'], line['field'], line['example']])).toEqual([
      [40, 'properties.nickname', 'emp-0000007'],
      [50, 'properties.badge', 'emp-0000020'],
    ]);
    await eventually(async () => {
      const metrics = await (await fetch(`${daemon.url}/metrics`)).text();
      return metric(metrics, 'integration="misconf",kind="fake-person",severity="warning"') === 32 && metric(metrics, 'integration="misconf",kind="fake-person",severity="error"') === 4;
    }, 'the live counts in /metrics');
    const dashboard = await (await fetch(`${daemon.url}/dashboard/live`)).text();
    expect(dashboard).toContain('Mapping misconfigurations');
    expect(dashboard).toContain('properties.badge');
    await daemon.stop();
  }, 120_000);

  test('marina sail --once lists them in its summary', async () => {
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'marina'), 'sail', '--config', configFile, '--once'], {
        cwd: dir,
        env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', MARINA_FROM_SOURCE: '1' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let text = '';
      child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
      child.on('exit', (exitCode) => resolve({ code: exitCode, stderr: text }));
    });
    expect(stderr).toContain('fake-person: misconfigured properties.badge (if (.id | endswith("0")) then null else .id end): null in 3 items, e.g. "emp-0000010" [error]');
    expect(stderr).toContain('fake-person: misconfigured properties.nickname (.nickname): null in 30 items, e.g. "emp-0000001" [warning]');
    expect(code).toBe(0);
  }, 120_000);
});
