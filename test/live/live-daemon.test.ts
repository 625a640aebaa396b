import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseHostConfig } from '../../src/config/host-config.js';
import { startDaemon, type Daemon } from '../../src/host/daemon.js';
import { eventually, post } from './support/live-fixture.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const PLUGINS = path.join(here, 'fixtures', 'plugins');
const SECRET = 'echo-webhook-secret-4f1';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'marina-live-daemon-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function start(env: Record<string, string> = {}): Promise<{ daemon: Daemon; logs: string[] }> {
  const file = path.join(dir, 'marina.yaml');
  const text = `server: { port: 0 }
plugins: { directories: ${JSON.stringify([PLUGINS])}, watch: false }
shutdown: { timeoutSeconds: 5 }
integrations:
  - identifier: echo-a
    type: live-echo
    eventListener: { type: WEBHOOKS_ONLY }
    config: { webhookSecret: ${SECRET}, gateFile: ${JSON.stringify(path.join(dir, 'gate'))}, tagFile: ${JSON.stringify(path.join(dir, 'tag'))} }
`;
  writeFileSync(file, text);
  // The MARINA_* overrides are read with the config.
  const config = parseHostConfig(text, file, env, { pluginDirectories: [], dataDir: path.join(dir, '.marina') });
  const logs: string[] = [];
  const daemon = await startDaemon({ config, env, version: '0.0.1', logDestination: { write: (line) => void logs.push(line) }, importModule: (entry) => import(pathToFileURL(entry).href) });
  // Live events read the mapping the integration's provisioning pushed to Port.
  await eventually(async () => ((await (await fetch(`${daemon.url}/api/integrations/echo-a`)).json()) as { resync: unknown }).resync !== null, 'provisioning');
  return { daemon, logs };
}

async function entity(daemon: Daemon, id: string): Promise<Record<string, unknown> | undefined> {
  const port = daemon.port!;
  const { accessToken } = (await (await fetch(`${port.baseUrl}/v1/auth/access_token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ clientId: port.clientId, clientSecret: port.clientSecret }) })).json()) as { accessToken: string };
  const response = await fetch(`${port.baseUrl}/v1/blueprints/live-item/entities/${encodeURIComponent(id)}`, { headers: { authorization: `Bearer ${accessToken}` } });
  if (response.status === 404) return undefined;
  return ((await response.json()) as { entity: Record<string, unknown> }).entity;
}

async function snapshot(daemon: Daemon): Promise<{ live: { handled: number; deadLetters: number; processors: unknown[]; deadLetterList: { id: string; reason: string }[] } }> {
  return (await (await fetch(`${daemon.url}/api/integrations/echo-a`)).json()) as never;
}

describe('live events in the daemon', () => {
  test('webhook routes on the daemon, figures and dead letters in the admin API and metrics, replay over the admin route', async () => {
    const { daemon, logs } = await start({ MARINA_WEBHOOK_BODY_LIMIT_BYTES: '4096' });
    try {
      const hook = `${daemon.url}/integrations/echo-a/webhook/items/github`;
      expect(await post(hook, { id: 'big', pad: 'x'.repeat(5000) }, { 'x-echo-secret': SECRET })).toMatchObject({ status: 413, body: { code: 'LIVE_BODY_TOO_LARGE', message: expect.stringContaining('4096') } });
      expect((await post(hook, { id: 'd-1', seq: 1, state: 'open' }, { 'x-echo-secret': SECRET })).status).toBe(202);
      expect((await post(hook, { id: 'd-1', seq: 2 }, { 'x-echo-secret': 'nope' })).status).toBe(401);
      expect((await post(`${daemon.url}/integrations/nobody/webhook/items/github`, { id: 'x' })).status).toBe(404);
      await eventually(async () => (await entity(daemon, 'd-1')) !== undefined, 'the event in Port');
      expect((await entity(daemon, 'd-1'))?.properties).toMatchObject({ seq: 1, state: 'open', source: 'github' });

      writeFileSync(path.join(dir, 'gate'), '');
      expect((await post(hook, { id: 'd-2', seq: 1, state: 'gated', gated: true, note: '<img src=x onerror=alert(1)>' }, { 'x-echo-secret': SECRET })).status).toBe(202);
      await eventually(async () => (await snapshot(daemon)).live.deadLetters === 1, 'the dead letter');
      const { live } = await snapshot(daemon);
      expect(live.processors).toEqual([{ name: 'echo-items', path: '/items/:source' }]);
      expect(live.deadLetterList).toEqual([expect.objectContaining({ reason: expect.stringContaining('the gate file is there'), attempts: 1 })]);
      expect(JSON.stringify(live)).not.toContain(SECRET);
      const liveRoute = await (await fetch(`${daemon.url}/api/integrations/echo-a/live`)).text();
      expect(liveRoute).toContain('the gate file is there');
      expect(liveRoute).not.toContain(SECRET);

      const dashboard = await (await fetch(`${daemon.url}/dashboard/live`)).text();
      expect(dashboard).toContain(live.deadLetterList[0]!.id);
      expect(dashboard).toContain('POST /integrations/echo-a/webhook/items/:source');
      expect(dashboard).toContain('the gate file is there');
      expect(dashboard).not.toContain(SECRET);
      // The reason quotes the sender's body: shown as text, never as markup.
      expect(dashboard).toContain('&#60;img src=x onerror=alert(1)&#62;');
      expect(dashboard).not.toContain('<img');

      rmSync(path.join(dir, 'gate'));
      const replay = await fetch(`${daemon.url}/api/integrations/echo-a/live/dead-letters/${live.deadLetterList[0]!.id}/replay`, { method: 'POST' });
      expect(replay.status).toBe(202);
      await eventually(async () => (await entity(daemon, 'd-2')) !== undefined, 'the replayed event in Port');
      expect((await snapshot(daemon)).live).toMatchObject({ deadLetters: 0, handled: 2 });
      expect((await fetch(`${daemon.url}/api/integrations/echo-a/live/dead-letters/nope/replay`, { method: 'POST' })).status).toBe(404);

      const metrics = await (await fetch(`${daemon.url}/metrics`)).text();
      expect(metrics).toContain('marina_live_events_total{integration="echo-a",outcome="handled"} 2');
      expect(metrics).toContain('marina_live_events_total{integration="echo-a",outcome="dead_lettered"} 1');
      expect(metrics).toContain('marina_live_deliveries_total{integration="echo-a",answer="rejected"} 2');
      expect(metrics).toContain('marina_live_deliveries_total{integration="(unknown)",answer="rejected"} 1');
    } finally {
      await daemon.stop();
    }
    expect(logs.join('')).not.toContain(SECRET);
  });

  test('events queued at a graceful stop are handled by the next start', async () => {
    const first = await start();
    writeFileSync(path.join(dir, 'gate'), '');
    const hook = `${first.daemon.url}/integrations/echo-a/webhook/items/gitlab`;
    try {
      expect((await post(hook, { id: 'r-1', seq: 1, state: 'held', gated: true, hang: true }, { 'x-echo-secret': SECRET })).status).toBe(202);
      expect((await post(hook, { id: 'r-1', seq: 2, state: 'after' }, { 'x-echo-secret': SECRET })).status).toBe(202);
      await eventually(async () => (await snapshot(first.daemon)).live.handled === 0 && ((await snapshot(first.daemon)).live as unknown as { running: number }).running === 1, 'the held event to run');
    } finally {
      await first.daemon.stop();
    }
    rmSync(path.join(dir, 'gate'));
    const second = await start();
    try {
      await eventually(async () => (await entity(second.daemon, 'r-1'))?.properties !== undefined && ((await entity(second.daemon, 'r-1'))?.properties as { seq: number }).seq === 2, 'both events, in order, after the restart');
      expect((await snapshot(second.daemon)).live).toMatchObject({ handled: 2, deadLetters: 0 });
    } finally {
      await second.daemon.stop();
    }
  });

  test('a plugin reload hands deliveries to the new instance', async () => {
    writeFileSync(path.join(dir, 'tag'), 'v1');
    const { daemon } = await start();
    try {
      const hook = `${daemon.url}/integrations/echo-a/webhook/items/reload`;
      expect((await post(hook, { id: 'v-1', seq: 1 }, { 'x-echo-secret': SECRET })).status).toBe(202);
      await eventually(async () => (await entity(daemon, 'v-1')) !== undefined, 'the first event in Port');
      expect((await entity(daemon, 'v-1'))?.properties).toMatchObject({ state: 'v1' });

      writeFileSync(path.join(dir, 'tag'), 'v2');
      await daemon.host.reloadPlugin('live-echo');
      expect(((await (await fetch(`${daemon.url}/api/integrations/echo-a`)).json()) as { reloads: number }).reloads).toBe(1);
      expect((await post(hook, { id: 'v-1', seq: 2 }, { 'x-echo-secret': SECRET })).status).toBe(202);
      await eventually(async () => ((await entity(daemon, 'v-1'))?.properties as { seq?: number } | undefined)?.seq === 2, 'the second event in Port');
      expect((await entity(daemon, 'v-1'))?.properties).toMatchObject({ state: 'v2', seq: 2 });
    } finally {
      await daemon.stop();
    }
  });
});
