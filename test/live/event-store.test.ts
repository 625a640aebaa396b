import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createKeyedQueue, openJournal, openLiveEventStore, readJournal, type StoredEvent } from '../../src/live/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'marina-journal-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function storedEvent(n: number, overrides: Partial<StoredEvent> = {}): StoredEvent {
  return {
    id: `ev-${n}`,
    integration: 'store-test',
    path: '/items',
    params: {},
    query: {},
    headers: { 'content-type': 'application/json' },
    rawBody: Buffer.from(JSON.stringify({ id: `r-${n % 7}`, n, pad: 'p'.repeat(200) })),
    receivedAt: new Date(Date.now() + n),
    processors: ['items'],
    resourceKey: `r-${n % 7}`,
    ...overrides,
  };
}

describe('event journal', () => {
  test('concurrent appends are all durable and read back in order', async () => {
    const file = path.join(dir, 'j.log');
    const journal = await openJournal(file);
    await Promise.all(Array.from({ length: 300 }, (_, n) => journal.append({ n })));
    await journal.close();
    const read = await readJournal(file);
    expect(read.records.map((record) => record.n)).toEqual(Array.from({ length: 300 }, (_, n) => n));
    expect(read.corrupt).toEqual([]);
    expect(read.tornTail).toBe(false);
  });

  test('a damaged line is reported by number and skipped, a torn last line is ignored, and the rest is kept', async () => {
    const file = path.join(dir, 'j.log');
    const journal = await openJournal(file);
    for (let n = 0; n < 4; n++) await journal.append({ n });
    await journal.close();
    const lines = (await readFile(file, 'utf8')).split('\n');
    lines[1] = lines[1]!.replace('"n":1', '"n":9');
    await writeFile(file, lines.join('\n'));
    await appendFile(file, '0badc0de {"n":');
    const read = await readJournal(file);
    expect(read.records.map((record) => record.n)).toEqual([0, 2, 3]);
    expect(read.corrupt).toEqual([{ line: 2, reason: 'checksum mismatch' }]);
    expect(read.tornTail).toBe(true);
  });
});

describe('live event store', () => {
  test('keeps pending events, dead letters and delivery ids across reopen, and compaction keeps exactly that', async () => {
    const store = await openLiveEventStore({ dataDir: dir, compactAtBytes: 16 * 1024 });
    expect(store.claimDelivery('store-test', 'delivery-3', 'ev-3')).toBeUndefined();
    for (let n = 0; n < 200; n++) await store.accept(storedEvent(n, n === 3 ? { deliveryId: 'delivery-3' } : {}));
    expect(store.claimDelivery('store-test', 'delivery-3', 'other')).toBe('ev-3');
    for (let n = 0; n < 195; n++) if (n !== 10) store.complete(storedEvent(n));
    await store.deadLetter(storedEvent(10), 'upstream 500', 3);
    // One more durable append: everything queued before it is on disk once it resolves.
    await store.accept(storedEvent(200));
    await store.close();
    const file = path.join(dir, 'live-events', 'journal.log');
    // 201 events of ~400 bytes each were written; compaction left far less.
    expect((await stat(file)).size).toBeLessThan(40 * 1024);

    const corrupt: unknown[] = [];
    const reopened = await openLiveEventStore({ dataDir: dir, onCorruption: (problem) => corrupt.push(problem) });
    expect(corrupt).toEqual([]);
    expect(reopened.pending('store-test').map((event) => event.id)).toEqual(['ev-195', 'ev-196', 'ev-197', 'ev-198', 'ev-199', 'ev-200']);
    expect(reopened.pending('store-test')[0]!.rawBody.toString()).toBe(storedEvent(195).rawBody.toString());
    expect(reopened.deadLetters('store-test')).toEqual([expect.objectContaining({ reason: 'upstream 500', attempts: 3, event: expect.objectContaining({ id: 'ev-10' }) })]);
    expect(reopened.claimDelivery('store-test', 'delivery-3', 'again')).toBe('ev-3');
    expect(reopened.pending('another-integration')).toEqual([]);

    const replayed = await reopened.replay('store-test', 'ev-10');
    expect(replayed?.id).toBe('ev-10');
    await reopened.close();
    const third = await openLiveEventStore({ dataDir: dir });
    expect(third.deadLetters('store-test')).toEqual([]);
    expect(third.pending('store-test').map((event) => event.id)).toContain('ev-10');
    await third.close();
  });
});

describe('dead-letter cap', () => {
  test('past the cap the oldest dead letter is dropped, reported, and stays dropped after reopen', async () => {
    const dropped: string[] = [];
    const store = await openLiveEventStore({ dataDir: dir, maxDeadLetters: 2, onDeadLetterDropped: (letter) => dropped.push(letter.event.id) });
    for (let n = 0; n < 3; n++) {
      await store.accept(storedEvent(n));
      await store.deadLetter(storedEvent(n), `failure ${n}`, 1);
    }
    expect(dropped).toEqual(['ev-0']);
    expect(store.deadLetters('store-test').map((letter) => letter.event.id)).toEqual(['ev-1', 'ev-2']);
    await store.close();
    const reopened = await openLiveEventStore({ dataDir: dir });
    expect(reopened.deadLetters('store-test').map((letter) => letter.event.id)).toEqual(['ev-1', 'ev-2']);
    expect(reopened.pending('store-test')).toEqual([]);
    await reopened.close();
  });
});

describe('keyed queue', () => {
  test('never runs more than `concurrency` keys at once, and runs each key in order', async () => {
    const queue = createKeyedQueue({ concurrency: 3 });
    let running = 0;
    let peak = 0;
    const done: string[] = [];
    for (let i = 0; i < 60; i++) {
      const key = `k${i % 6}`;
      queue.add(key, async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setImmediate(resolve));
        done.push(`${key}:${i}`);
        running--;
      });
    }
    await queue.onIdle();
    expect(peak).toBe(3);
    for (let k = 0; k < 6; k++) {
      const order = done.filter((entry) => entry.startsWith(`k${k}:`)).map((entry) => Number(entry.split(':')[1]));
      expect(order).toEqual([...order].sort((a, b) => a - b));
      expect(order).toHaveLength(10);
    }
  });
});
