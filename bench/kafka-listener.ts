/**
 * `npm run bench:kafka-listener`: how fast the KAFKA listener gets through a busy org's
 * change.log, where nearly every message is some other integration's or entity's change.
 * N change messages (~600 B each, other identifiers) then one resync request for this
 * integration are appended to the in-memory test broker; we time from the first append until
 * the request reaches `onResyncRequested` and everything is committed. Reference, same run:
 * a bare kafkajs consumer (eachBatch, no filtering, no commits) reading the same messages from
 * the same broker, i.e. the client + broker ceiling. Rounds alternate; each side keeps its best.
 */
import { performance } from 'node:perf_hooks';
import kafkajs from 'kafkajs';
import { pino } from 'pino';
import { createKafkaListener } from '../src/listeners/kafka-listener.js';
import { startKafkaBroker, type KafkaBroker } from '../test/support/kafka-broker/index.js';

const { Kafka, logLevel } = kafkajs;
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 50_000);
const ROUNDS = 3;
const FAST = { sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1_000, maxWaitTimeMs: 50 };

function changeMessages(): { value: string }[] {
  return Array.from({ length: MESSAGES }, (_, i) => ({
    value: JSON.stringify({
      action: 'UPDATE',
      resourceType: 'entity',
      context: { blueprint: 'service', entity: `svc-${i}` },
      diff: {
        before: { identifier: `svc-${i}`, title: `Service ${i}`, properties: { language: 'go', tier: 2 } },
        after: {
          identifier: `svc-${i}`,
          title: `Service ${i}`,
          properties: { language: 'go', tier: 1, url: `https://example.com/svc-${i}` },
          updatedAt: '2026-11-23T00:00:00Z',
        },
      },
      trigger: { by: { orgId: 'org_bench', userId: 'u1' }, origin: 'UI', at: '2026-11-23T00:00:00Z' },
    }),
  }));
}

async function runListener(broker: KafkaBroker, round: number, messages: { value: string }[]): Promise<number> {
  const topic = `org_bench${round}.change.log`;
  broker.createTopic(topic);
  let requested!: () => void;
  const done = new Promise<void>((resolve) => (requested = resolve));
  const listener = createKafkaListener({
    brokers: broker.brokers,
    organizationId: `org_bench${round}`,
    integration: { identifier: 'github-acme', type: 'github' },
    logger: pino({ level: 'silent' }),
    consumer: FAST,
    onResyncRequested: async () => requested(),
  });
  await listener.start();
  const start = performance.now();
  await broker.produce(topic, messages);
  await broker.produce(topic, [{ value: JSON.stringify({ action: 'RESYNC', context: { integrationId: 'github-acme' } }) }]);
  await done;
  const group = `org_bench${round}.github.github-acme`;
  while (broker.committedOffset(group, topic, 0) !== String(MESSAGES + 1)) await new Promise((r) => setTimeout(r, 1));
  const seconds = (performance.now() - start) / 1000;
  await listener.stop();
  return (MESSAGES + 1) / seconds;
}

async function runReference(broker: KafkaBroker, round: number, messages: { value: string }[]): Promise<number> {
  const topic = `ref${round}`;
  broker.createTopic(topic);
  const kafka = new Kafka({ clientId: 'bench', brokers: broker.brokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `ref${round}`, sessionTimeout: FAST.sessionTimeoutMs, heartbeatInterval: FAST.heartbeatIntervalMs, maxWaitTimeInMs: FAST.maxWaitTimeMs });
  let seen = 0;
  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      seen += batch.messages.length;
      if (seen >= MESSAGES + 1) finished();
    },
  });
  const start = performance.now();
  await broker.produce(topic, messages);
  await broker.produce(topic, [{ value: '{}' }]);
  await done;
  const seconds = (performance.now() - start) / 1000;
  await consumer.disconnect();
  return (MESSAGES + 1) / seconds;
}

const messages = changeMessages();
const bytes = messages.reduce((n, m) => n + m.value.length, 0);
const broker = await startKafkaBroker();
let best = { listener: 0, reference: 0 };
for (let round = 0; round < ROUNDS; round++) {
  best = {
    listener: Math.max(best.listener, await runListener(broker, round, messages)),
    reference: Math.max(best.reference, await runReference(broker, round, messages)),
  };
}
await broker.close();
console.log(`messages per run: ${MESSAGES + 1} (~${Math.round(bytes / MESSAGES)} B each), 1 partition, in-memory test broker`);
console.log(`KAFKA listener (filter + commit):   ${Math.round(best.listener).toLocaleString('en-US')} messages/s`);
console.log(`bare kafkajs consumer (reference):  ${Math.round(best.reference).toLocaleString('en-US')} messages/s`);
console.log(`ratio listener / reference:         ${(best.listener / best.reference).toFixed(2)}`);
