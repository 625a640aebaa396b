import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expectedState, planEvents, portState, sendAll } from './support/acceptance-plan.js';
import { eventually, startPortFixture, type PortFixture } from './support/live-fixture.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const DAEMON = path.join(here, 'support', 'live-daemon.ts');
interface Daemon {
  child: ChildProcess;
  url: string;
  exited: Promise<void>;
}

async function startDaemon(emulatorUrl: string, dataDir: string, integration: string, hold = false): Promise<Daemon> {
  const child = spawn(process.execPath, ['--import', 'tsx', DAEMON], {
    env: { ...process.env, EMULATOR_URL: emulatorUrl, DATA_DIR: dataDir, INTEGRATIONS: integration, HOLD: hold ? '1' : '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /READY (\S+)/.exec(stdout);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`live daemon exited with ${code} before it was ready:\n${stderr}`)));
  });
  return { child, url, exited };
}

let port: PortFixture;
let dataDir: string;
const daemons: Daemon[] = [];
beforeAll(async () => {
  port = await startPortFixture();
});
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'marina-live-acceptance-'));
});
afterEach(async () => {
  for (const daemon of daemons.splice(0)) {
    if (daemon.child.exitCode === null && daemon.child.signalCode === null) daemon.child.kill('SIGKILL');
    await daemon.exited;
  }
  await rm(dataDir, { recursive: true, force: true });
});
afterAll(async () => {
  await port.close();
});

async function drained(daemon: Daemon, integration: string): Promise<boolean> {
  const response = await fetch(`${daemon.url}/_stats`);
  const stats = (await response.json()) as Record<string, { queued: number; running: number; deadLetters: number }>;
  const mine = stats[integration]!;
  expect(mine.deadLetters).toBe(0);
  return mine.queued === 0 && mine.running === 0;
}

// Spawned processes and 1,000 deliveries: generous limits for a machine shared with others'
// builds; the tests assert end states, never durations.
describe('live events acceptance (issue 7)', () => {
  test('1,000 events for 50 resources, interleaved over 10 connections, leave each resource in the state of its last event', async () => {
    const plan = planEvents('acc', 1);
    const daemon = await startDaemon(port.emulator.url, dataDir, 'acceptance');
    daemons.push(daemon);
    await sendAll(plan, () => daemon.url, () => undefined, { path: '/integrations/acceptance/webhook/items' });
    await eventually(() => drained(daemon, 'acceptance'), 'the queue to drain', 45_000);
    expect(portState(port.emulator, plan)).toEqual(expectedState(plan));
  }, 90_000);

  test('killing the daemon (kill -9) during the run and starting it again still ends with every last state', async () => {
    const plan = planEvents('kill', 2);
    let daemon = await startDaemon(port.emulator.url, dataDir, 'acceptance-kill');
    daemons.push(daemon);
    let url = daemon.url;
    let restarted: Promise<void> | undefined;
    await sendAll(
      plan,
      () => url,
      (acked) => {
        if (acked !== 400) return;
        restarted = (async () => {
          daemon.child.kill('SIGKILL');
          await daemon.exited;
          daemon = await startDaemon(port.emulator.url, dataDir, 'acceptance-kill');
          daemons.push(daemon);
          url = daemon.url;
        })();
      },
      { path: '/integrations/acceptance-kill/webhook/items' },
    );
    await restarted;
    expect(daemons).toHaveLength(2);
    await eventually(() => drained(daemon, 'acceptance-kill'), 'the queue to drain', 45_000);
    expect(portState(port.emulator, plan)).toEqual(expectedState(plan));
  }, 90_000);

  test('every event acknowledged with 202 before a kill -9 is handled after the restart', async () => {
    const first = await startDaemon(port.emulator.url, dataDir, 'acked', true);
    daemons.push(first);
    const ids = Array.from({ length: 30 }, (_, i) => `acked-${i}`);
    for (const id of ids) {
      const response = await fetch(`${first.url}/integrations/acked/webhook/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id, seq: 1, state: 'kept' }) });
      expect(response.status).toBe(202);
    }
    first.child.kill('SIGKILL');
    await first.exited;
    expect(ids.filter((id) => port.emulator.entity('live-item', id) !== undefined)).toEqual([]);

    const second = await startDaemon(port.emulator.url, dataDir, 'acked');
    daemons.push(second);
    await eventually(() => drained(second, 'acked'), 'the recovered events to be handled', 45_000);
    expect(ids.map((id) => port.emulator.entity('live-item', id)?.properties.state)).toEqual(ids.map(() => 'kept'));
  }, 90_000);
});
