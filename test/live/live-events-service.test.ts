import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { createLiveEvents, type LiveEvents } from '../../src/live/index.js';
import { defineLiveEventProcessor, RetryableError, type LiveEvent, type LiveEventProcessor } from '../../src/sdk/index.js';
import { eventually, gate, identity, itemMapping, memoryLogger, post, startPortFixture, type PortFixture } from './support/live-fixture.js';

type Body = { id: string; seq: number };
const bodyOf = (event: LiveEvent): Body => event.body as Body;

/** A processor named "items" whose version shows in the state it writes. */
function version(tag: string, overrides: Partial<LiveEventProcessor> = {}): LiveEventProcessor {
  return defineLiveEventProcessor({
    name: 'items',
    path: '/items',
    kinds: () => ['item'],
    resourceKey: (event) => bodyOf(event).id,
    handle: async (event) => ({ updated: [{ ...bodyOf(event), state: tag }], deleted: [] }),
    ...overrides,
  });
}

let port: PortFixture;
let dataDir: string;
let live: LiveEvents;
let app: FastifyInstance;
let url: string;
const mapping = itemMapping();
const readMapping = async () => mapping;

beforeAll(async () => {
  port = await startPortFixture();
});
afterAll(async () => {
  await port.close();
});
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'marina-live-service-'));
  live = createLiveEvents({ dataDir, engine: port.engine, client: port.client, logger: memoryLogger().logger, registry: new Registry() });
  await live.open();
  app = Fastify();
  live.registerRoutes(app);
  url = await app.listen({ host: '127.0.0.1', port: 0 });
});
afterEach(async () => {
  await app.close();
  await live.close();
  await rm(dataDir, { recursive: true, force: true });
});

const state = (id: string) => port.emulator.entity('live-item', id)?.properties.state;

describe('live events of the host', () => {
  test('a reload swaps the processors: new deliveries, and the next try of an event in retry, go to the new version', async () => {
    const v1 = live.attach({ integration: identity('svc-reload'), processors: [version('v1')], readMapping });
    expect((await post(`${url}/integrations/svc-reload/webhook/items`, { id: 's-1', seq: 1 })).status).toBe(202);
    await v1.drain();
    expect(state('s-1')).toBe('v1');

    live.attach({ integration: identity('svc-reload'), processors: [version('v1-broken', { retry: { attempts: 10, initialDelayMs: 20, factor: 1 }, handle: async () => Promise.reject(new RetryableError('v1 is closing')) })], readMapping });
    expect((await post(`${url}/integrations/svc-reload/webhook/items`, { id: 's-2', seq: 1 })).status).toBe(202);
    await eventually(() => v1.stats().retries >= 1, 'a failed try on the old version');
    const v2 = live.attach({ integration: { ...identity('svc-reload'), version: '0.2.0' }, processors: [version('v2')], readMapping });
    expect(v2).toBe(v1);
    await v2.drain();
    expect(state('s-2')).toBe('v2');
    expect(port.emulator.entity('live-item', 's-2')?.datasource).toBe('port-ocean/live-test/0.2.0/svc-reload/exporter');
    expect((await post(`${url}/integrations/svc-reload/webhook/items`, { id: 's-1', seq: 2 })).status).toBe(202);
    await v2.drain();
    expect(state('s-1')).toBe('v2');
    expect(live.snapshot('svc-reload')).toMatchObject({ processors: [{ name: 'items', path: '/items' }], deadLetters: 0 });
  });

  test('detach drains within its time, leaves what did not finish in the journal, and a later attach handles it', async () => {
    const held = gate();
    live.attach({ integration: identity('svc-detach'), processors: [version('held', { handle: async (event) => held.promise.then(() => ({ updated: [{ ...bodyOf(event), state: 'held' }], deleted: [] })) })], readMapping });
    expect((await post(`${url}/integrations/svc-detach/webhook/items`, { id: 'h-1', seq: 1 })).status).toBe(202);
    expect(await live.detach('svc-detach', { drainMs: 30 })).toBe(false);
    expect(live.get('svc-detach')).toBeUndefined();
    expect((await post(`${url}/integrations/svc-detach/webhook/items`, { id: 'h-2', seq: 1 })).status).toBe(404);
    held.open();

    expect(live.unattached()).toEqual([{ integration: 'svc-detach', pending: 1, deadLetters: 0 }]);

    const again = live.attach({ integration: identity('svc-detach'), processors: [version('after')], readMapping });
    await again.drain();
    expect(state('h-1')).toBe('after');
    expect(await live.detach('svc-detach', { drainMs: 1000 })).toBe(true);
    expect(live.unattached()).toEqual([]);
  });

  test('two processors with one name are refused and the running ones stay', async () => {
    live.attach({ integration: identity('svc-dup'), processors: [version('one')], readMapping });
    expect(() => live.attach({ integration: identity('svc-dup'), processors: [version('a'), version('b')], readMapping })).toThrow(expect.objectContaining({ code: 'LIVE_PROCESSOR_FAILED' }));
    expect((await post(`${url}/integrations/svc-dup/webhook/items`, { id: 'dup-1', seq: 1 })).status).toBe(202);
    await live.get('svc-dup')!.drain();
    expect(state('dup-1')).toBe('one');
  });
});
