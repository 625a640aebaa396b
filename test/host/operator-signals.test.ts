import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { post } from '../live/support/live-fixture.js';
import { eventually } from '../support/eventually.js';
import { duplicateKeys } from '../support/json-keys.js';
import { startDaemon, type Daemon } from './daemon.js';
import { repoRoot } from './host-test-support.js';

/**
 * What an operator sees of failing integrations in a spawned `bin/marina start`: error chains
 * that name each cause (an HTTP error with its status and masked URL), the plugin's stack at
 * `error`, and the `degraded` status in the admin API, `/health/ready` and the metrics.
 */
const plugins = path.join(repoRoot, 'test', 'host', 'fixtures', 'plugins');
const pluginEntry = path.join(plugins, 'troubled', 'index.ts');
const SECRET = 'tp_api_key_5d1c9e7a';

const mapping = (kinds: string[]) =>
  `resources:\n${kinds
    .map((kind) => `  - kind: ${kind}\n    selector: { query: 'true' }\n    port:\n      entity:\n        mappings: { identifier: .id, title: .id, blueprint: '"troubled-item"', properties: { note: .note } }\n`)
    .join('')}`;

let dir: string;
let daemon: Daemon | undefined;
let api: Server;
let apiBroken = true;
beforeAll(async () => {
  // The third party of the `item` kind: 404 while broken, then one record.
  api = createServer((_request, response) => {
    response.statusCode = apiBroken ? 404 : 200;
    response.setHeader('content-type', 'application/json');
    response.end(apiBroken ? '{"message":"gone"}' : '[{"id":"item-1","note":"back"}]');
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise((resolve) => api.close(resolve));
});
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'marina-operator-'));
});
afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const metricValue = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

test('a failing resync reads degraded with its cause chain and the plugin stack; a dead-lettering live queue too; both clear', async () => {
  const apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}/items`;
  const mappingFile = path.join(dir, 'mapping.yml');
  writeFileSync(mappingFile, mapping(['item', 'crash']));
  // A resync that runs until the gate file goes: its progress lines come at the configured cadence.
  const slowMapping = path.join(dir, 'slow.yml');
  writeFileSync(slowMapping, mapping(['slow']));
  const gate = path.join(dir, 'gate');
  writeFileSync(gate, '');
  const file = path.join(dir, 'marina.yaml');
  writeFileSync(
    file,
    `server: { port: 0 }
plugins: { directories: [${JSON.stringify(plugins)}], watch: false }
shutdown: { timeoutSeconds: 5 }
integrations:
  - identifier: failing
    type: troubled
    mapping: { file: ${JSON.stringify(mappingFile)} }
    config: { apiUrl: ${JSON.stringify(apiUrl)}, apiKey: ${SECRET} }
  - identifier: dead
    type: troubled
    eventListener: { type: WEBHOOKS_ONLY }
  - identifier: slowpoke
    type: troubled
    mapping: { file: ${JSON.stringify(slowMapping)} }
    config: { gateFile: ${JSON.stringify(gate)} }
resync: { progressLogSeconds: 0.2 }
`,
  );
  daemon = await startDaemon(file);
  const running = daemon;
  const metrics = async () => (await fetch(`${running.url}/metrics`)).text();

  // The resync at start fails: the HTTP error of kind item and the exception of kind crash.
  const failing = await running.waitFor('/api/integrations/failing', (body) => body.status === 'degraded', 'the failing integration to read degraded');
  expect(failing.degradedReasons).toEqual([
    {
      source: 'resync',
      code: 'RESYNC_PLUGIN_FAILED',
      message: expect.stringContaining(`caused by: HTTPError: Request failed with status code 404 (Not Found): GET ${apiUrl}?api_key=[REDACTED]&page=1`),
      at: failing.resync.lastRun.endedAt,
    },
  ]);
  expect(failing.degradedReasons[0].message).toContain('(and 1 more error)');
  expect(failing.error).toBeNull();
  const runErrors = JSON.stringify(failing.resync.lastRun.errors);
  expect(runErrors).toContain('the crash kind exploded');
  expect(runErrors).not.toContain('[object Object]');

  // The plugin's own exception keeps its stack, pointing at the plugin's file and line.
  const throwLine = readFileSync(pluginEntry, 'utf8').split('\n').findIndex((line) => line.includes("throw new Error('the crash kind exploded')")) + 1;
  const kindFailures = running.logLines().filter((line) => line['msg']?.startsWith('kind failed') && line['integration'] === 'failing');
  expect(kindFailures.map((line) => [line['level'], line['kind']])).toEqual([
    [50, 'item'],
    [50, 'crash'],
  ]);
  const crash = kindFailures.find((line) => line['kind'] === 'crash')!;
  expect(crash['err'].stack).toContain('caused by: Error: the crash kind exploded\n');
  expect(crash['err'].stack).toContain(`${pluginEntry}:${throwLine}:`);
  const item = kindFailures.find((line) => line['kind'] === 'item')!;
  expect(item['err']).toMatchObject({ type: 'MarinaError', code: 'RESYNC_PLUGIN_FAILED', message: expect.stringContaining(`api_key=[REDACTED]`) });

  const ready = await fetch(`${running.url}/health/ready`);
  expect(ready.status).toBe(200);
  expect(((await ready.json()) as { integrations: unknown }).integrations).toEqual({ degraded: [{ identifier: 'failing', reasons: failing.degradedReasons }], failed: [] });
  let text = await metrics();
  expect(metricValue(text, 'marina_integration_status{integration="failing",status="degraded"}')).toBe(1);
  expect(metricValue(text, 'marina_integration_status{integration="failing",status="running"}')).toBe(0);
  expect(metricValue(text, 'marina_integration_status{integration="dead",status="running"}')).toBe(1);
  expect(text).not.toContain('marina_resync_last_success_timestamp_seconds{integration="failing"}');
  for (const processSeries of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_gc_duration_seconds']) expect(text).toContain(`# TYPE ${processSeries} `);

  // A live event that cannot be handled: the other integration's queue is dead-lettering.
  await running.waitFor('/api/integrations/dead', (body) => body.resync !== null, 'the live integration to be provisioned');
  const accepted = await post(`${running.url}/integrations/dead/webhook/flaky`, { id: 'lost-1', fatal: true });
  expect(accepted.status).toBe(202);
  const dead = await running.waitFor('/api/integrations/dead', (body) => body.status === 'degraded', 'the dead-lettering integration to read degraded');
  expect(dead.degradedReasons).toEqual([
    { source: 'live', message: `1 live event dead-lettered in the last 15 minutes; latest ${accepted.body['eventId']}: item lost-1 cannot be read`, at: dead.live.deadLetterList[0].failedAt },
  ]);
  const deadLine = running.logLines().find((line) => line['msg'] === 'Live event failed; moved to the dead-letter list');
  expect(deadLine).toMatchObject({ level: 50, integration: 'dead', err: { stack: expect.stringContaining(`${pluginEntry}:`) } });
  expect(metricValue(await metrics(), 'marina_integration_status{integration="dead",status="degraded"}')).toBe(1);
  // Discarding the dead letter is the operator's acknowledgement.
  expect((await fetch(`${running.url}/api/integrations/dead/live/dead-letters/${String(accepted.body['eventId'])}`, { method: 'DELETE' })).status).toBeLessThan(300);
  expect((await running.get('/api/integrations/dead')).status).toBe('running');

  // The slow resync has logged its progress while it ran.
  const progress = () => running.logLines().filter((line) => line['integration'] === 'slowpoke' && String(line['msg']).startsWith('resync progress'));
  await eventually(() => progress().length >= 2, 'two progress lines of the slow resync', 15_000);
  expect(progress()[0]).toMatchObject({ level: 30, kind: 'slow', records: expect.any(Number), upserted: expect.any(Number), recordsPerSecond: expect.any(Number) });
  rmSync(gate);
  await running.waitFor('/api/integrations/slowpoke', (body) => body.resync?.lastRun?.status === 'completed', 'the slow resync to complete');

  // Fixed: the next resync completes and the integration reads running again.
  apiBroken = false;
  writeFileSync(mappingFile, mapping(['item']));
  expect((await fetch(`${running.url}/api/integrations/failing/resync`, { method: 'POST' })).status).toBe(202);
  const healed = await running.waitFor('/api/integrations/failing', (body) => body.status === 'running', 'the integration to run again after a good resync');
  expect(healed.degradedReasons).toEqual([]);
  text = await metrics();
  expect(metricValue(text, 'marina_integration_status{integration="failing",status="running"}')).toBe(1);
  expect(metricValue(text, 'marina_resync_last_success_timestamp_seconds{integration="failing"}')).toBeCloseTo(Date.parse(healed.resync.lastRun.endedAt) / 1000, 0);
  expect((await (await fetch(`${running.url}/health/ready`)).json()) as unknown).toMatchObject({ integrations: { degraded: [], failed: [] } });

  expect(running.output()).not.toContain(SECRET);
  expect(running.output()).not.toContain('[object Object]');
  // Child loggers are bound once: no line (provisioning, resyncs, live events) repeats a key.
  const jsonLines = running.output().split('\n').filter((line) => line.startsWith('{'));
  expect(jsonLines.length).toBeGreaterThan(20);
  expect(jsonLines.filter((line) => duplicateKeys(line).length > 0)).toEqual([]);
});
