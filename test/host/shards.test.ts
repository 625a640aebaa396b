/**
 * Sharding for real: three `bin/marina start --shard i/3` processes on one config, against one
 * Port emulator (`bin/marina emulator`). Every integration is resynced exactly once (by its
 * shard), and each webhook is handled only by the shard that runs its integration; the others
 * answer 421 naming that shard.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { shardOfIdentifier } from '../../src/config/shard.js';
import { eventually } from '../support/eventually.js';
import { startDaemon, type Daemon } from './daemon.js';
import { repoRoot } from './host-test-support.js';

const HASHED = ['github-acme', 'jira-cloud', 'pagerduty', 'snyk-prod', 'sonar', 'gitlab-eu', 'argocd', 'datadog'];
const PINNED = 'pinned-to-two';
const ALL = [...HASHED, PINNED];
const ownerOf = (identifier: string) => (identifier === PINNED ? 2 : shardOfIdentifier(identifier, 3));

const dir = mkdtempSync(path.join(tmpdir(), 'marina-shards-'));
let emulator: { child: ChildProcess; url: string; exited: Promise<unknown> };
const shards: Daemon[] = [];

async function startEmulator(): Promise<typeof emulator> {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'marina'), 'emulator', '--port', '0'], {
    env: { PATH: process.env['PATH'] ?? '', MARINA_FROM_SOURCE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) resolve(match[1] as string);
    });
    child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    void exited.then(() => reject(new Error(`the emulator exited before listening:\n${out}`)));
  });
  return { child, url, exited };
}

beforeAll(async () => {
  emulator = await startEmulator();
  const integrations = ALL.map((identifier) =>
    [
      `  - identifier: ${identifier}`,
      '    type: fake',
      // Resyncs once at start and keeps serving (an all-ONCE config would exit after its resyncs).
      '    eventListener: { type: POLLING, interval: 3600 }',
      '    config: { entityCount: { fake-department: 2, fake-person: 6, fake-office: 2, fake-team: 2, fake-project: 2 } }',
      ...(identifier === PINNED ? ['    shard: 2'] : []),
    ].join('\n'),
  );
  const configFile = path.join(dir, 'marina.yaml');
  // One config for every shard; only the data dir differs (in Kubernetes: one volume per pod).
  writeFileSync(
    configFile,
    [
      'server: { host: 127.0.0.1, port: 0 }',
      'log: { level: info }',
      `port: { baseUrl: "${emulator.url}", clientId: shard-test, clientSecret: shard-test-secret }`,
      `plugins: { directories: ["${path.join(repoRoot, 'plugins')}"], watch: false }`,
      'dataDir: ${SHARD_DATA}',
      'integrations:',
      ...integrations,
      '',
    ].join('\n'),
  );
  const started = await Promise.all(
    [0, 1, 2].map((index) =>
      startDaemon(configFile, {
        // Shard 1 takes its place from MARINA_SHARD, the others from the flag.
        env: { SHARD_DATA: path.join(dir, `data-${index}`), ...(index === 1 ? { MARINA_SHARD: '1/3' } : {}) },
        args: index === 1 ? [] : ['--shard', `${index}/3`],
        // Three daemons and an emulator start at once on a machine that may be busy.
        listenTimeoutMs: 90_000,
      }),
    ),
  );
  shards.push(...started);
}, 180_000);

afterAll(async () => {
  const codes = await Promise.all(shards.map((shard) => shard.stop()));
  emulator?.child.kill('SIGTERM');
  await emulator?.exited;
  rmSync(dir, { recursive: true, force: true });
  expect(codes).toEqual([0, 0, 0]);
}, 60_000);

describe('three shards of one config', () => {
  it('split the integrations: each runs its own and lists where the others run', async () => {
    expect(new Set(ALL.map(ownerOf)).size).toBe(3); // the fixture really uses every shard
    for (const [index, shard] of shards.entries()) {
      const body = await shard.get('/api/integrations');
      const own = ALL.filter((identifier) => ownerOf(identifier) === index);
      expect(body.integrations.map((integration: { identifier: string }) => integration.identifier)).toEqual(own);
      expect(body.shard).toEqual({
        index,
        count: 3,
        runs: own,
        elsewhere: ALL.filter((identifier) => ownerOf(identifier) !== index).map((identifier) => ({ identifier, type: 'fake', shard: ownerOf(identifier) })),
      });
    }
  }, 120_000);

  it('resync every integration exactly once', async () => {
    for (const [index, shard] of shards.entries()) {
      await eventually(
        async () => {
          const body = await shard.get('/api/integrations');
          return body.integrations.length > 0 && body.integrations.every((integration: any) => integration.resync?.lastRun?.status === 'completed');
        },
        `shard ${index}'s resyncs to complete`,
        90_000,
        100,
      );
    }
    const { requests: list } = (await (await fetch(`${emulator.url}/_emulator/requests?limit=1000`)).json()) as { requests: { method: string; path: string }[] };
    for (const identifier of ALL) {
      // Each resync reports its state twice: "running" at the start, "completed" at the end.
      const reports = list.filter((request) => request.method === 'PATCH' && request.path === `/v1/integration/${identifier}/resync-state`);
      expect({ identifier, reports: reports.length }).toEqual({ identifier, reports: 2 });
    }
    for (const shard of shards) {
      for (const integration of (await shard.get('/api/integrations')).integrations) expect(integration.resync.recent).toHaveLength(1);
    }
  }, 120_000);

  it("answer each webhook only on the integration's shard; the others point at it with 421", async () => {
    for (const identifier of ALL) {
      const owner = ownerOf(identifier);
      for (const [index, shard] of shards.entries()) {
        const response = await fetch(`${shard.url}/integrations/${identifier}/webhook/fake`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ kind: 'fake-person', id: 'emp-0000001', action: 'upsert' }),
        });
        const body = (await response.json()) as Record<string, unknown>;
        if (index === owner) {
          expect({ identifier, index, status: response.status }).toEqual({ identifier, index, status: 202 });
        } else {
          expect({ identifier, index, status: response.status, body }).toEqual({
            identifier,
            index,
            status: 421,
            body: {
              code: 'WRONG_SHARD',
              message: `integration "${identifier}" runs on shard ${owner} of 3; this process is shard ${index}`,
              identifier,
              shard: owner,
              thisShard: index,
              shards: 3,
            },
          });
        }
      }
    }
    for (const identifier of ALL) {
      const owner = shards[ownerOf(identifier)] as Daemon;
      await eventually(async () => (await owner.get(`/api/integrations/${identifier}/live`)).handled === 1, `${identifier}'s event to be handled by its shard`, 90_000, 50);
    }
    // The admin API points at the right shard too; an unknown identifier is still a plain 404.
    const other = ALL.find((identifier) => ownerOf(identifier) !== 0) as string;
    expect((await fetch(`${(shards[0] as Daemon).url}/api/integrations/${other}`)).status).toBe(421);
    expect((await fetch(`${(shards[0] as Daemon).url}/api/integrations/nobody`)).status).toBe(404);
  }, 120_000);
});
