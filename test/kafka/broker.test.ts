import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Consumer, EachMessagePayload } from 'kafkajs';
import { startKafkaBroker, type KafkaBroker } from '../support/kafka-broker/index.js';
import { createTestKafka, eventually, FAST_CONSUMER, joined } from './fast-client.js';

let broker: KafkaBroker;
const consumers: Consumer[] = [];
const children: ChildProcess[] = [];

beforeEach(async () => {
  broker = await startKafkaBroker({ defaultPartitions: 2 });
});
afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  await Promise.all(consumers.splice(0).map((c) => c.disconnect()));
  await broker.close();
});

function consumer(groupId: string, extra: { sessionTimeout?: number } = {}) {
  const c = createTestKafka(broker.brokers).consumer({ groupId, ...FAST_CONSUMER, ...extra });
  consumers.push(c);
  return c;
}

type Seen = { partition: number; offset: string; key: string | undefined; value: string | undefined; headers: Record<string, string> };
const record = (seen: Seen[]) => async ({ partition, message }: EachMessagePayload) => {
  const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
  seen.push({ partition, offset: message.offset, key: message.key?.toString(), value: message.value?.toString(), headers });
};

test('a kafkajs producer and consumer round-trip keys, values and headers over TCP', async () => {
  const producer = createTestKafka(broker.brokers).producer();
  await producer.connect();
  await producer.send({
    topic: 'orders',
    messages: [
      { key: 'a', value: 'first', headers: { source: 'test' }, partition: 0 },
      { key: 'b', value: 'second', partition: 0 },
      { key: null, value: 'third', partition: 1 },
    ],
  });
  await producer.disconnect();
  broker.produce('orders', [{ value: 'from the broker', partition: 1 }]);

  const seen: Seen[] = [];
  const c = consumer('round-trip');
  await c.connect();
  await c.subscribe({ topic: 'orders', fromBeginning: true });
  await c.run({ eachMessage: record(seen) });
  await eventually(() => seen.length === 4);

  const byPartition = (p: number) => seen.filter((s) => s.partition === p);
  expect(byPartition(0)).toEqual([
    { partition: 0, offset: '0', key: 'a', value: 'first', headers: { source: 'test' } },
    { partition: 0, offset: '1', key: 'b', value: 'second', headers: {} },
  ]);
  expect(byPartition(1).map((s) => [s.offset, s.value])).toEqual([
    ['0', 'third'],
    ['1', 'from the broker'],
  ]);
});

test('committed offsets are honoured when the group restarts', async () => {
  await broker.produce('events', [1, 2, 3].map((n) => ({ value: `m${n}`, partition: 0 })));
  const first: Seen[] = [];
  const c1 = consumer('restart');
  await c1.connect();
  await c1.subscribe({ topic: 'events', fromBeginning: true });
  await c1.run({ eachMessage: record(first) });
  await eventually(() => first.length === 3);
  await c1.disconnect(); // commits what was consumed, then leaves the group
  expect(broker.committedOffset('restart', 'events', 0)).toBe('3');

  await broker.produce('events', [{ value: 'm4', partition: 0 }]);
  const second: Seen[] = [];
  const c2 = consumer('restart');
  await c2.connect();
  await c2.subscribe({ topic: 'events', fromBeginning: true });
  await c2.run({ eachMessage: record(second) });
  await eventually(() => second.length === 1);
  expect(second.map((s) => [s.offset, s.value])).toEqual([['3', 'm4']]);
});

test('two consumers in one group split the partitions and rebalance when one leaves', async () => {
  broker.createTopic('jobs', { partitions: 4 });
  const seenA: Seen[] = [];
  const seenB: Seen[] = [];
  const a = consumer('split');
  const b = consumer('split');
  await a.connect();
  await a.subscribe({ topic: 'jobs', fromBeginning: true });
  const aAlone = joined(a);
  await a.run({ eachMessage: record(seenA) });
  expect((await aAlone).jobs).toHaveLength(4);

  const aShared = joined(a);
  const bShared = joined(b);
  await b.connect();
  await b.subscribe({ topic: 'jobs', fromBeginning: true });
  await b.run({ eachMessage: record(seenB) });
  const [aParts, bParts] = [(await aShared).jobs ?? [], (await bShared).jobs ?? []];
  expect(aParts).toHaveLength(2);
  expect(bParts).toHaveLength(2);
  expect([...aParts, ...bParts].sort()).toEqual([0, 1, 2, 3]);
  expect(broker.group('split')).toMatchObject({ state: 'Stable', members: [{}, {}] });

  await broker.produce('jobs', [0, 1, 2, 3].map((partition) => ({ value: `before-${partition}`, partition })));
  await eventually(() => seenA.length + seenB.length === 4);
  expect(seenA.map((s) => s.partition).sort()).toEqual(aParts.slice().sort());
  expect(seenB.map((s) => s.partition).sort()).toEqual(bParts.slice().sort());

  const aAfter = joined(a);
  await b.disconnect();
  expect((await aAfter).jobs?.slice().sort()).toEqual([0, 1, 2, 3]);
  await broker.produce('jobs', [0, 1, 2, 3].map((partition) => ({ value: `after-${partition}`, partition })));
  await eventually(() => seenA.filter((s) => s.value?.startsWith('after-')).length === 4);
  expect(seenB.filter((s) => s.value?.startsWith('after-'))).toEqual([]);
});

test('a message taken by a consumer that crashes before committing is redelivered to the group', async () => {
  broker.createTopic('work', { partitions: 2 });
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('./fixtures/crashing-consumer.ts', import.meta.url)), broker.brokers[0]!, 'crashy', 'work'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(child);
  const lines: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
  await eventually(() => lines.some((l) => l.startsWith('joined [0,1]')));

  const seen: Seen[] = [];
  const survivor = consumer('crashy');
  const shared = joined(survivor);
  await survivor.connect();
  await survivor.subscribe({ topic: 'work', fromBeginning: true });
  await survivor.run({ autoCommit: false, eachMessage: record(seen) });
  const mine = (await shared).work ?? [];
  expect(mine).toHaveLength(1);
  await eventually(() => lines.filter((l) => l.startsWith('joined')).length === 2);

  const theirs = mine[0] === 0 ? 1 : 0;
  await broker.produce('work', [{ value: 'precious', partition: theirs }]);
  await eventually(() => lines.some((l) => l.startsWith('received')));
  expect(lines.find((l) => l.startsWith('received'))).toBe(`received ${theirs} 0 precious`);
  child.kill('SIGKILL');

  // No LeaveGroup was sent: the broker notices the missing heartbeats, rebalances, and the
  // uncommitted message goes to the survivor.
  await eventually(() => seen.length === 1);
  expect(seen[0]).toMatchObject({ partition: theirs, offset: '0', value: 'precious' });
  expect(broker.group('crashy')?.members).toHaveLength(1);
});
