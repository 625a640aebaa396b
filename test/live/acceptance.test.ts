import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually, startPortFixture, type PortFixture } from './support/live-fixture.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const DAEMON = path.join(here, 'support', 'live-daemon.ts');
const RESOURCES = 50;
const EVENTS_PER_RESOURCE = 20;
const CONNECTIONS = 10;

type ItemEvent = { id: string; seq: number; state: string; archived?: boolean; action?: 'delete' };

/** A small seeded generator, so a failing run can be repeated exactly. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Per resource, its events in the order the sender produces them; some archive or delete it. */
function planEvents(prefix: string, seed: number): Map<string, ItemEvent[]> {
  const next = random(seed);
  const plan = new Map<string, ItemEvent[]>();
  for (let r = 0; r < RESOURCES; r++) {
    const id = `${prefix}-${String(r).padStart(2, '0')}`;
    plan.set(
      id,
      Array.from({ length: EVENTS_PER_RESOURCE }, (_, i) => {
        const roll = next();
        const event: ItemEvent = { id, seq: i + 1, state: `state-${Math.floor(next() * 1000)}` };
        if (roll < 0.1) event.action = 'delete';
        else if (roll < 0.2) event.archived = true;
        return event;
      }),
    );
  }
  return plan;
}

/** What Port must hold once every event is applied: the last event's state, or nothing. */
function expectedState(plan: Map<string, ItemEvent[]>): Record<string, { seq: number; state: string } | null> {
  const expected: Record<string, { seq: number; state: string } | null> = {};
  for (const [id, events] of plan) {
    const last = events.at(-1)!;
    expected[id] = last.action === 'delete' || last.archived ? null : { seq: last.seq, state: last.state };
  }
  return expected;
}

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

/**
 * Sends every planned event over `CONNECTIONS` concurrent workers. Resources interleave in a
 * random order; a resource's next event is sent once its previous one was acknowledged, as a
 * sender that retries until acknowledged does. Failed requests (daemon down) are retried with
 * the same delivery id, against whatever URL `target()` gives by then.
 */
async function sendAll(plan: Map<string, ItemEvent[]>, integration: string, target: () => string, onAck: (acked: number) => void): Promise<void> {
  const next = random(99);
  const position = new Map([...plan.keys()].map((id) => [id, 0]));
  const busy = new Set<string>();
  let acked = 0;
  const pick = (): string | undefined => {
    const candidates = [...position].filter(([id, index]) => !busy.has(id) && index < plan.get(id)!.length).map(([id]) => id);
    return candidates.length === 0 ? undefined : candidates[Math.floor(next() * candidates.length)];
  };
  const deliver = async (event: ItemEvent): Promise<void> => {
    for (;;) {
      try {
        const response = await fetch(`${target()}/integrations/${integration}/webhook/items`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-delivery-id': `${event.id}#${event.seq}` },
          body: JSON.stringify(event),
        });
        await response.arrayBuffer();
        if (response.status === 202 || response.status === 200) return;
        if (response.status < 500) throw new Error(`delivery refused with ${response.status}`);
      } catch (error) {
        if ((error as Error).message.startsWith('delivery refused')) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const worker = async (): Promise<void> => {
    for (;;) {
      const id = pick();
      if (id === undefined) {
        if (busy.size === 0) return;
        await new Promise((resolve) => setTimeout(resolve, 1));
        continue;
      }
      busy.add(id);
      const index = position.get(id)!;
      await deliver(plan.get(id)![index]!);
      position.set(id, index + 1);
      busy.delete(id);
      onAck(++acked);
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
}

function portState(port: PortFixture, plan: Map<string, ItemEvent[]>): Record<string, { seq: number; state: string } | null> {
  const state: Record<string, { seq: number; state: string } | null> = {};
  for (const id of plan.keys()) {
    const entity = port.emulator.entity('live-item', id);
    state[id] = entity === undefined ? null : { seq: entity.properties.seq as number, state: entity.properties.state as string };
  }
  return state;
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

describe('live events acceptance (issue 7)', () => {
  test('1,000 events for 50 resources, interleaved over 10 connections, leave each resource in the state of its last event', async () => {
    const plan = planEvents('acc', 1);
    const daemon = await startDaemon(port.emulator.url, dataDir, 'acceptance');
    daemons.push(daemon);
    await sendAll(plan, 'acceptance', () => daemon.url, () => undefined);
    await eventually(() => drained(daemon, 'acceptance'), 'the queue to drain', 20_000);
    expect(portState(port, plan)).toEqual(expectedState(plan));
  });

  test('killing the daemon (kill -9) during the run and starting it again still ends with every last state', async () => {
    const plan = planEvents('kill', 2);
    let daemon = await startDaemon(port.emulator.url, dataDir, 'acceptance-kill');
    daemons.push(daemon);
    let url = daemon.url;
    let restarted: Promise<void> | undefined;
    await sendAll(
      plan,
      'acceptance-kill',
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
    );
    await restarted;
    expect(daemons).toHaveLength(2);
    await eventually(() => drained(daemon, 'acceptance-kill'), 'the queue to drain', 20_000);
    expect(portState(port, plan)).toEqual(expectedState(plan));
  });

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
    await eventually(() => drained(second, 'acked'), 'the recovered events to be handled', 20_000);
    expect(ids.map((id) => port.emulator.entity('live-item', id)?.properties.state)).toEqual(ids.map(() => 'kept'));
  });
});
