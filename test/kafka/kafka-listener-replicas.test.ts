/**
 * Several replicas of one integration share its consumer group: each Port trigger is handled by
 * exactly one of them, a replica that leaves hands its partitions over, and a replica that
 * crashes before the resync was accepted has its message redelivered to a survivor.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { createKafkaListener, type KafkaListener, type KafkaResyncReason } from '../../src/listeners/kafka-listener.js';
import { startKafkaBroker, type KafkaBroker } from '../support/kafka-broker/index.js';
import { eventually } from './fast-client.js';

const GROUP = 'org_1.github.github-acme';
const TOPIC = 'org_1.change.log';
const request = { value: JSON.stringify({ action: 'RESYNC', context: { integrationId: 'github-acme' } }) };

let broker: KafkaBroker;
const listeners: KafkaListener[] = [];
const children: ChildProcess[] = [];

beforeEach(async () => {
  broker = await startKafkaBroker();
  broker.createTopic(TOPIC, { partitions: 2 });
});
afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  await Promise.all(listeners.splice(0).map((l) => l.stop()));
  await broker.close();
});

function replica(calls: KafkaResyncReason[], logLines: string[] = []) {
  const listener = createKafkaListener({
    brokers: broker.brokers,
    organizationId: 'org_1',
    integration: { identifier: 'github-acme', type: 'github' },
    logger: pino(
      { level: 'warn' },
      new Writable({
        write(chunk, _encoding, done) {
          logLines.push(String(chunk));
          done();
        },
      }),
    ),
    consumer: { sessionTimeoutMs: 1_000, rebalanceTimeoutMs: 2_000, heartbeatIntervalMs: 100, maxWaitTimeMs: 100 },
    onResyncRequested: async (reason) => void calls.push(reason),
  });
  listeners.push(listener);
  return listener;
}

const assignedCount = () => broker.group(GROUP)?.members.filter((m) => m.assignment.length > 0).length ?? 0;

test('two replicas split the partitions, each message is handled once, and a leaving replica hands over', async () => {
  const a: KafkaResyncReason[] = [];
  const b: KafkaResyncReason[] = [];
  const first = replica(a);
  await first.start();
  await replica(b).start();
  await eventually(() => broker.group(GROUP)?.state === 'Stable' && broker.group(GROUP)?.members.length === 2 && assignedCount() === 2);

  await broker.produce(TOPIC, [
    { ...request, partition: 0 },
    { ...request, partition: 1 },
  ]);
  await eventually(() => a.length + b.length === 2);
  await eventually(() => broker.committedOffset(GROUP, TOPIC, 0) === '1' && broker.committedOffset(GROUP, TOPIC, 1) === '1');
  // One request per message, one partition per replica.
  expect([...a, ...b].map((r) => r.partition).sort()).toEqual([0, 1]);
  expect(a).toHaveLength(1);
  expect(b).toHaveLength(1);

  await first.stop();
  await broker.produce(TOPIC, [
    { ...request, partition: 0 },
    { ...request, partition: 1 },
  ]);
  await eventually(() => b.length === 3);
  expect(b.slice(1).map((r) => [r.partition, r.offset]).sort()).toEqual([
    [0, '1'],
    [1, '1'],
  ]);
  expect(a).toHaveLength(1);
});

test('a replica that crashes before accepting has its message redelivered to a survivor', async () => {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('./fixtures/listener-replica.ts', import.meta.url)), broker.brokers[0]!, 'org_1', 'github-acme', 'github'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(child);
  const lines: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
  await eventually(() => lines.includes('consuming'));

  const survivor: KafkaResyncReason[] = [];
  await replica(survivor).start();
  await eventually(() => broker.group(GROUP)?.state === 'Stable' && broker.group(GROUP)?.members.length === 2 && assignedCount() === 2);

  // One message on each partition: whichever one the child owns, it takes and never accepts.
  await broker.produce(TOPIC, [
    { ...request, partition: 0 },
    { ...request, partition: 1 },
  ]);
  await eventually(() => lines.some((l) => l.startsWith('requested')) && survivor.length === 1);
  const taken = lines.find((l) => l.startsWith('requested'))!;
  const childPartition = Number(taken.split(' ')[2]);
  expect(survivor[0]?.partition).toBe(1 - childPartition);
  child.kill('SIGKILL');

  // No LeaveGroup: the broker drops the dead member after its session timeout, rebalances, and
  // the survivor reads the uncommitted message again.
  await eventually(() => survivor.length === 2);
  expect(survivor[1]).toEqual({ topic: TOPIC, partition: childPartition, offset: '0' });
  await eventually(() => broker.committedOffset(GROUP, TOPIC, childPartition) === '1');
});

test('a replica left without partitions starts as a standby (no shutdown) and takes over when the owner leaves', async () => {
  const topic = 'org_9.change.log';
  broker.createTopic(topic, { partitions: 1 });
  const owner: KafkaResyncReason[] = [];
  const standby: KafkaResyncReason[] = [];
  const standbyLog: string[] = [];
  const make = (clientId: string, calls: KafkaResyncReason[], lines?: string[]) => {
    const listener = createKafkaListener({
      clientId,
      brokers: broker.brokers,
      organizationId: 'org_9',
      integration: { identifier: 'github-acme', type: 'github' },
      logger: pino(
        { level: 'warn' },
        new Writable({
          write(chunk, _encoding, done) {
            lines?.push(String(chunk));
            done();
          },
        }),
      ),
      consumer: { sessionTimeoutMs: 1_000, rebalanceTimeoutMs: 2_000, heartbeatIntervalMs: 100, maxWaitTimeMs: 100 },
      onResyncRequested: async (reason) => void calls.push(reason),
    });
    listeners.push(listener);
    return listener;
  };
  // Member ids start with the client id and kafkajs's round robin hands partitions out in
  // member-id order, so "a-" keeps the only partition and "b-" is the standby.
  const first = make('a-replica', owner);
  await first.start();
  const second = make('b-replica', standby, standbyLog);
  await Promise.all([second.start(), second.start()]); // concurrent starts share one consumer
  await eventually(() => broker.group('org_9.github.github-acme')?.state === 'Stable' && assignedIn('org_9.github.github-acme') === 1);
  expect(broker.group('org_9.github.github-acme')?.members).toHaveLength(2);

  await broker.produce(topic, [request]);
  await eventually(() => owner.length + standby.length === 1 && broker.committedOffset('org_9.github.github-acme', topic, 0) === '1');
  expect(owner).toEqual([{ topic, partition: 0, offset: '0' }]);
  expect(standby).toEqual([]);
  expect(standbyLog.join('')).toContain('no partitions assigned: another consumer in this group owns them');

  await first.stop();
  await broker.produce(topic, [request]);
  await eventually(() => standby.length === 1);
  expect(standby).toEqual([{ topic, partition: 0, offset: '1' }]);
  expect(owner).toHaveLength(1);
});

function assignedIn(group: string): number {
  return broker.group(group)?.members.filter((m) => m.assignment.length > 0).length ?? 0;
}
