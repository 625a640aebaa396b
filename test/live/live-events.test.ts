import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { bulkUpsert } from '../../src/port/index.js';
import { defineLiveEventProcessor, RetryableError, verifyHmacSignature, verifySharedSecret, type LiveEvent, type LiveEventProcessor } from '../../src/sdk/index.js';
import { eventually, gate, identity, post, startLiveServer, startPortFixture, type LiveServer, type PortFixture } from './support/live-fixture.js';

// A type alias (not an interface) so it fits RawRecord's index signature.
type ItemBody = {
  id: string;
  seq?: number;
  state?: string;
  archived?: boolean;
  action?: 'delete';
};

const bodyOf = (event: LiveEvent): ItemBody => event.body as ItemBody;

function itemProcessor(overrides: Partial<LiveEventProcessor> = {}): LiveEventProcessor {
  return defineLiveEventProcessor({
    name: 'items',
    path: '/items',
    kinds: () => ['item'],
    validate: (event) => typeof bodyOf(event)?.id === 'string',
    resourceKey: (event) => bodyOf(event).id,
    // A tombstone carries only the id and the archived flag, so it fails the selector (#3827).
    handle: async (event) => (bodyOf(event).action === 'delete' ? { updated: [], deleted: [{ id: bodyOf(event).id, archived: true }] } : { updated: [bodyOf(event)], deleted: [] }),
    ...overrides,
  });
}

let port: PortFixture;
let server: LiveServer;
beforeAll(async () => {
  port = await startPortFixture();
});
afterAll(async () => {
  await port.close();
});
afterEach(async () => {
  await server?.close();
});

const entity = (id: string) => port.emulator.entity('live-item', id);
const hook = (integration: string, suffix = '/items') => `${server.url}/integrations/${integration}/webhook${suffix}`;

describe('webhook routes', () => {
  test('reject bad deliveries before queueing: unknown integration or path, invalid JSON, too large, failed authenticate or validate', async () => {
    server = await startLiveServer(port, { routes: { bodyLimitBytes: 1024, starting: (id) => id === 'warming-up' } });
    const secret = 's3cr3t-value';
    server.add('rejects', { processors: [itemProcessor({ authenticate: (event) => verifySharedSecret(event, 'x-token', secret) })] });
    const good = { 'x-token': secret };

    expect(await post(`${server.url}/integrations/nobody/webhook/items`, { id: 'a' }, good)).toMatchObject({ status: 404, body: { code: 'LIVE_NOT_FOUND' } });
    const early = await fetch(`${server.url}/integrations/warming-up/webhook/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id":"a"}' });
    expect([early.status, early.headers.get('retry-after'), ((await early.json()) as { code: string }).code]).toEqual([503, '5', 'LIVE_NOT_READY']);
    expect(await post(hook('rejects', '/elsewhere'), { id: 'a' }, good)).toMatchObject({ status: 404, body: { code: 'LIVE_NOT_FOUND', message: expect.stringContaining('/elsewhere') } });
    expect(await post(hook('rejects'), '{"id": "a",', good)).toMatchObject({ status: 400, body: { code: 'LIVE_BODY_INVALID', message: expect.stringContaining('must be JSON') } });
    expect(await post(hook('rejects'), '', good)).toMatchObject({ status: 400, body: { code: 'LIVE_BODY_INVALID', message: expect.stringContaining('empty') } });
    expect(await post(hook('rejects'), { id: 'a', pad: 'x'.repeat(2000) }, good)).toMatchObject({ status: 413, body: { code: 'LIVE_BODY_TOO_LARGE' } });
    const unauthorized = await post(hook('rejects'), { id: 'a' }, { 'x-token': 'wrong' });
    expect(unauthorized).toMatchObject({ status: 401, body: { code: 'LIVE_UNAUTHORIZED' } });
    expect(JSON.stringify(unauthorized.body)).not.toContain(secret);
    expect(await post(hook('rejects'), { id: 'a' })).toMatchObject({ status: 401 });
    expect(await post(hook('rejects'), { notAnId: 1 }, good)).toMatchObject({ status: 400, body: { code: 'LIVE_BODY_INVALID', message: expect.stringContaining('"items"') } });
    expect(server.store.pending('rejects')).toEqual([]);

    const accepted = await post(hook('rejects'), { id: 'rej-1', seq: 1, state: 'ok' }, good);
    expect(accepted.status).toBe(202);
    expect(typeof accepted.body.eventId).toBe('string');
    await eventually(() => entity('rej-1') !== undefined, 'the accepted event in Port');
    expect(server.logLines.join('\n')).not.toContain(secret);
  });

  test('route parameters, HMAC signatures over the raw body, and events no processor handles', async () => {
    server = await startLiveServer(port);
    const secret = 'hmac-key';
    const seen: Record<string, string>[] = [];
    server.add('signed', {
      processors: [
        itemProcessor({
          path: '/orgs/:org/items',
          handles: (event) => bodyOf(event).state !== 'ignored',
          authenticate: (event) => verifyHmacSignature(event, { header: 'x-hub-signature-256', secret, prefix: 'sha256=' }),
          handle: async (event) => {
            seen.push(event.params);
            return { updated: [{ ...bodyOf(event), state: `${bodyOf(event).state}@${event.params.org}` }], deleted: [] };
          },
        }),
      ],
    });
    // Whitespace matters to the signature: the raw bytes are signed, not the parsed JSON.
    const raw = '{ "id": "sig-1",   "seq": 1, "state": "open" }';
    const signature = `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
    expect((await post(hook('signed', '/orgs/acme%20corp/items'), raw, { 'x-hub-signature-256': signature })).status).toBe(202);
    expect((await post(hook('signed', '/orgs/acme/items'), JSON.stringify(JSON.parse(raw)), { 'x-hub-signature-256': signature })).status).toBe(401);
    expect(await post(hook('signed', '/orgs/acme/items'), { id: 'x', state: 'ignored' })).toMatchObject({ status: 200, body: { ignored: true } });
    await eventually(() => entity('sig-1') !== undefined, 'the signed event in Port');
    expect(entity('sig-1')?.properties).toMatchObject({ state: 'open@acme corp' });
    expect(seen).toEqual([{ org: 'acme corp' }]);
  });
});

describe('results to Port', () => {
  test('passing records are upserted; updates failing the selector, and tombstones failing it (#3827), delete owned entities only', async () => {
    server = await startLiveServer(port);
    const live = server.add('writes', { processors: [itemProcessor()] });
    for (const id of ['w-keep', 'w-archive', 'w-delete']) expect((await post(hook('writes'), { id, seq: 1, state: 'new' })).status).toBe(202);
    await live.drain();
    expect(entity('w-keep')?.properties).toEqual({ seq: 1, state: 'new' });
    // An entity of the same blueprint written by another integration is never deleted by this one.
    await bulkUpsert(port.client, identity('someone-else'), 'live-item', [{ identifier: 'w-foreign', blueprint: 'live-item', properties: { seq: 1 } }], { merge: true, createMissingRelatedEntities: true });

    await post(hook('writes'), { id: 'w-keep', seq: 2, state: 'changed' });
    await post(hook('writes'), { id: 'w-archive', seq: 2, state: 'done', archived: true });
    await post(hook('writes'), { id: 'w-delete', action: 'delete' });
    await post(hook('writes'), { id: 'w-foreign', action: 'delete' });
    await post(hook('writes'), { id: 'w-never-existed', action: 'delete' });
    await live.drain();

    expect(entity('w-keep')?.properties).toEqual({ seq: 2, state: 'changed' });
    expect(entity('w-archive')).toBeUndefined();
    expect(entity('w-delete')).toBeUndefined();
    expect(entity('w-foreign')).toBeDefined();
    expect(live.stats()).toMatchObject({ handled: 8, deadLettered: 0, queued: 0, running: 0 });
  });
});

describe('processor results', () => {
  test('a handle() result of the wrong shape dead-letters the event naming the processor; records that are not objects are logged, the rest written', async () => {
    server = await startLiveServer(port);
    const live = server.add('shapes', {
      processors: [
        itemProcessor({
          handle: async (event) => {
            const body = bodyOf(event);
            if (body.state === 'bad-shape') return { updated: 'nope' } as never;
            return { updated: [body, 42 as never], deleted: [] };
          },
        }),
      ],
    });
    await post(hook('shapes'), { id: 'shape-1', seq: 1, state: 'bad-shape' });
    await post(hook('shapes'), { id: 'shape-2', seq: 1, state: 'fine' });
    await live.drain();
    expect(live.deadLetters()).toEqual([expect.objectContaining({ resourceKey: 'shape-1', reason: expect.stringContaining('handle() of processor "items" must return { updated: [...], deleted: [...] }') })]);
    expect(entity('shape-2')?.properties).toEqual({ seq: 1, state: 'fine' });
    expect(server.logLines.join('\n')).toContain('record 1 is not an object');
  });
});

describe('processor declarations', () => {
  test('plain-object processors (no SDK brand) are checked as defineLiveEventProcessor checks them', async () => {
    server = await startLiveServer(port);
    const plain = { name: 'plain', path: '/items', kinds: () => ['item'], resourceKey: (event: LiveEvent) => bodyOf(event).id, handle: async (event: LiveEvent) => ({ updated: [bodyOf(event)], deleted: [] }) };
    const live = server.add('plain', { processors: [plain] });
    expect((await post(hook('plain'), { id: 'plain-1', seq: 1 })).status).toBe(202);
    await live.drain();
    expect(entity('plain-1')?.properties).toMatchObject({ seq: 1 });
    const { handle: _handle, ...withoutHandle } = plain;
    expect(() => server.add('broken', { processors: [withoutHandle as never] })).toThrow(
      expect.objectContaining({ code: 'LIVE_PROCESSOR_FAILED', message: 'Live-event processor 0 ("plain") of integration "broken" is invalid: Expected `handle` to be a function, got `undefined` (undefined)' }),
    );
  });
});

describe('ordering and isolation', () => {
  test('events of one resource run one at a time in arrival order; other resources run meanwhile', async () => {
    server = await startLiveServer(port);
    const trace: string[] = [];
    const held = gate();
    let bStarted = false;
    const live = server.add('order', {
      processors: [
        itemProcessor({
          handle: async (event) => {
            const body = bodyOf(event);
            trace.push(`start ${body.id}#${body.seq}`);
            // The first event of "o-a" waits until "o-b" has started: only possible in parallel.
            if (body.id === 'o-a' && body.seq === 1) await held.promise;
            if (body.id === 'o-b') bStarted = true;
            trace.push(`end ${body.id}#${body.seq}`);
            return { updated: [body], deleted: [] };
          },
        }),
      ],
    });
    for (let seq = 1; seq <= 5; seq++) expect((await post(hook('order'), { id: 'o-a', seq, state: `s${seq}` })).status).toBe(202);
    expect((await post(hook('order'), { id: 'o-b', seq: 1, state: 'b' })).status).toBe(202);
    await eventually(() => bStarted, 'o-b to start while o-a#1 is held');
    expect(trace.filter((line) => line.includes('o-a'))).toEqual(['start o-a#1']);
    held.open();
    await live.drain();
    expect(trace.filter((line) => line.includes('o-a'))).toEqual([1, 2, 3, 4, 5].flatMap((seq) => [`start o-a#${seq}`, `end o-a#${seq}`]));
    expect(entity('o-a')?.properties).toEqual({ seq: 5, state: 's5' });
  });

  test("one integration's stuck events never delay another's", async () => {
    server = await startLiveServer(port);
    const held = gate();
    const stuck = server.add('stuck', { processors: [itemProcessor({ handle: async () => held.promise.then(() => ({ updated: [], deleted: [] })) })] });
    const free = server.add('free', { processors: [itemProcessor()] });
    for (let i = 0; i < 20; i++) await post(hook('stuck'), { id: `stuck-${i}`, seq: 1 });
    for (let i = 0; i < 5; i++) await post(hook('free'), { id: `free-${i}`, seq: 1, state: 'ok' });
    await free.drain();
    expect([0, 1, 2, 3, 4].map((i) => entity(`free-${i}`)?.properties.state)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    expect(stuck.stats().running).toBeGreaterThan(0);
    held.open();
    await stuck.drain();
  });
});

describe('retries, dead letters and replay', () => {
  test('retryable failures are retried with backoff; a persistent one is dead-lettered with its reason and replays once fixed', async () => {
    server = await startLiveServer(port);
    const failures = new Map<string, number>();
    let broken = true;
    const live = server.add('retries', {
      processors: [
        itemProcessor({
          retry: { attempts: 3, initialDelayMs: 1, factor: 2 },
          handle: async (event) => {
            const body = bodyOf(event);
            const count = (failures.get(body.id) ?? 0) + 1;
            failures.set(body.id, count);
            if (body.id === 'r-flaky' && count < 3) throw new RetryableError(`upstream 503 (try ${count})`);
            if (body.id === 'r-broken' && broken) throw new RetryableError('upstream keeps failing');
            if (body.id === 'r-fatal' && broken) throw new Error('payload refers to a deleted project');
            return { updated: [body], deleted: [] };
          },
        }),
      ],
    });
    for (const id of ['r-flaky', 'r-broken', 'r-fatal']) await post(hook('retries'), { id, seq: 1, state: 'x' });
    await live.drain();

    expect(failures.get('r-flaky')).toBe(3);
    expect(entity('r-flaky')).toBeDefined();
    expect(failures.get('r-broken')).toBe(3);
    expect(failures.get('r-fatal')).toBe(1);
    const letters = live.deadLetters().sort((a, b) => a.resourceKey.localeCompare(b.resourceKey));
    expect(letters.map((letter) => [letter.resourceKey, letter.attempts, letter.reason])).toEqual([
      ['r-broken', 3, 'RetryableError: upstream keeps failing'],
      ['r-fatal', 1, 'payload refers to a deleted project'],
    ]);
    expect(live.stats()).toMatchObject({ handled: 1, retries: 4, deadLettered: 2, deadLetters: 2 });
    // What makes an integration "dead-lettering": dead letters since a moment, and the latest.
    const newest = letters.reduce((a, b) => (a.failedAt >= b.failedAt ? a : b));
    expect(live.recentDeadLetters(0)).toEqual({ count: 2, latest: newest });
    expect(live.recentDeadLetters(Date.parse(newest.failedAt) + 1)).toEqual({ count: 0 });

    broken = false;
    expect(await live.replay(letters[0]!.id)).toBe(true);
    expect(await live.replay('no-such-event')).toBe(false);
    await live.drain();
    expect(entity('r-broken')).toBeDefined();
    expect(live.deadLetters().map((letter) => letter.resourceKey)).toEqual(['r-fatal']);
    expect(await live.discard(letters[1]!.id)).toBe(true);
    expect(live.deadLetters()).toEqual([]);
  });

  test('Port failing (503 after the client gave up) is retried, not dead-lettered, and the event lands once Port is back', async () => {
    server = await startLiveServer(port);
    const live = server.add('port-down', { processors: [itemProcessor({ retry: { attempts: 20, initialDelayMs: 20, factor: 1 } })] });
    port.emulator.setFaults([{ method: 'POST', path: '/v1/blueprints/:id/entities/bulk', errorRate: 1, errorStatuses: [503] }]);
    try {
      expect((await post(hook('port-down'), { id: 'p-1', seq: 1, state: 'back' })).status).toBe(202);
      await eventually(() => live.stats().retries >= 1, 'a retry of the event');
    } finally {
      port.emulator.setFaults([]);
    }
    await live.drain();
    expect(entity('p-1')?.properties).toEqual({ seq: 1, state: 'back' });
    expect(live.stats()).toMatchObject({ handled: 1, deadLettered: 0 });
  });

  test('an attempt longer than the processor timeout fails, is retried, and is dead-lettered naming the timeout', async () => {
    server = await startLiveServer(port);
    let calls = 0;
    const live = server.add('timeouts', {
      processors: [itemProcessor({ timeoutMs: 40, retry: { attempts: 2, initialDelayMs: 1 }, handle: () => (calls++, new Promise(() => undefined)) })],
    });
    await post(hook('timeouts'), { id: 't-1', seq: 1 });
    await live.drain();
    expect(calls).toBe(2);
    expect(live.deadLetters()).toEqual([expect.objectContaining({ resourceKey: 't-1', attempts: 2, reason: expect.stringContaining('longer than 40 ms') })]);
  });
});

describe('redelivery dedupe', () => {
  test('a delivery id seen within the window is answered with the first event id and handled once; after the window it is new', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    server = await startLiveServer(port, { store: { dedupeWindowMs: 60_000, now: () => now } });
    let handled = 0;
    const live = server.add('dedupe', { processors: [itemProcessor({ handle: async (event) => (handled++, { updated: [bodyOf(event)], deleted: [] }) })] });
    const first = await post(hook('dedupe'), { id: 'd-1', seq: 1 }, { 'x-github-delivery': 'gh-72d3162e' });
    const again = await post(hook('dedupe'), { id: 'd-1', seq: 1 }, { 'x-github-delivery': 'gh-72d3162e' });
    expect(first.status).toBe(202);
    expect(again).toEqual({ status: 200, body: { eventId: first.body.eventId, duplicate: true } });
    expect((await post(hook('dedupe'), { id: 'd-1', seq: 2 }, { 'x-github-delivery': 'gh-other' })).status).toBe(202);
    await live.drain();
    expect(handled).toBe(2);
    now += 61_000;
    expect((await post(hook('dedupe'), { id: 'd-1', seq: 1 }, { 'x-github-delivery': 'gh-72d3162e' })).status).toBe(202);
    await live.drain();
    expect(handled).toBe(3);
  });

  test('a processor can name its own delivery header', async () => {
    server = await startLiveServer(port);
    const live = server.add('dedupe-own', { processors: [itemProcessor({ deliveryIdHeader: 'x-gitlab-event-uuid' })] });
    const first = await post(hook('dedupe-own'), { id: 'd-2', seq: 1 }, { 'x-gitlab-event-uuid': 'u-1' });
    expect(await post(hook('dedupe-own'), { id: 'd-2', seq: 1 }, { 'x-gitlab-event-uuid': 'u-1' })).toEqual({ status: 200, body: { eventId: first.body.eventId, duplicate: true } });
    await live.drain();
  });
});

describe('durability', () => {
  test('events queued and in flight at a graceful stop are handled after the next start, and dedupe survives it', async () => {
    server = await startLiveServer(port);
    const held = gate();
    server.add('restart', { processors: [itemProcessor({ handle: async () => held.promise.then(() => ({ updated: [], deleted: [] })) })] });
    for (let seq = 1; seq <= 3; seq++) await post(hook('restart'), { id: 'g-1', seq, state: `s${seq}` }, { 'x-delivery-id': `g-1-${seq}`, authorization: 'Bearer very-secret-token' });
    await post(hook('restart'), { id: 'g-2', seq: 1, state: 'other' });
    await server.stop();
    held.open();

    const dataDir = server.dataDir;
    server = await startLiveServer(port, { dataDir });
    expect(server.store.pending('restart').map((event) => event.resourceKey)).toEqual(['g-1', 'g-1', 'g-1', 'g-2']);
    const order: string[] = [];
    const live = server.add('restart', { processors: [itemProcessor({ handle: async (event) => (order.push(`${bodyOf(event).id}#${bodyOf(event).seq}`), { updated: [bodyOf(event)], deleted: [] }) })] });
    expect((await post(hook('restart'), { id: 'g-1', seq: 2 }, { 'x-delivery-id': 'g-1-2' })).body.duplicate).toBe(true);
    await live.drain();
    expect(order.filter((line) => line.startsWith('g-1'))).toEqual(['g-1#1', 'g-1#2', 'g-1#3']);
    expect(order).toHaveLength(4);
    expect(entity('g-1')?.properties).toEqual({ seq: 3, state: 's3' });
    expect(entity('g-2')?.properties).toEqual({ seq: 1, state: 'other' });
    expect(server.store.pending('restart')).toEqual([]);

    // Handled events are not handled again by the start after this one.
    await server.stop();
    server = await startLiveServer(port, { dataDir });
    expect(server.store.pending('restart')).toEqual([]);
    const journal = await readFile(path.join(dataDir, 'live-events', 'journal.log'), 'utf8');
    // Credentials were checked before queueing; they are not written to disk.
    expect(journal).not.toContain('very-secret-token');
  });
});
