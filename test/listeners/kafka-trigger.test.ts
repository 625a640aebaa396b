import { startKafkaBroker, type KafkaBroker } from '../support/kafka-broker/index.js';
import { kafkaGroupId } from '../../src/listeners/kafka-message-filter.js';
import { parseBrokers, PORT_KAFKA_BROKERS } from '../../src/listeners/port-kafka-trigger.js';
import type { IntegrationRuntime } from '../../src/sync/integration-runtime.js';
import type { ResyncHub } from '../../src/sync/resync-hub.js';
import {
  createCapturingLogger,
  createTestHub,
  createTestRuntime,
  eventually,
  fakeIdentity,
  fakeInstance,
  provisionFake,
  startSyncFixture,
  type SyncFixture,
} from '../sync/support/sync-fixture.js';

const ORG = 'org_kafka_test';
const CREDENTIALS = { username: 'port-kafka-user', password: 'Kafka-Pa55word-from-Port' };
const TOPIC = `${ORG}.change.log`;
const FAST = {
  consumer: { sessionTimeoutMs: 1_500, rebalanceTimeoutMs: 2_000, heartbeatIntervalMs: 100, maxWaitTimeMs: 100 },
  connection: { timeoutMs: 1_000, retries: 1, initialRetryTimeMs: 50 },
};
const SMALL = { entityCount: { 'fake-department': 2, 'fake-person': 4, 'fake-office': 1, 'fake-team': 2, 'fake-project': 2 } };

let fixture: SyncFixture;
let broker: KafkaBroker;
let hub: ResyncHub;
const runtimes: IntegrationRuntime[] = [];

beforeAll(async () => {
  fixture = await startSyncFixture({ emulator: { organizationId: ORG, kafkaCredentials: CREDENTIALS } });
  broker = await startKafkaBroker({ sasl: { mechanism: 'scram-sha-512', ...CREDENTIALS } });
  hub = createTestHub(fixture, createCapturingLogger().logger);
});
afterAll(async () => {
  await Promise.all(runtimes.map((runtime) => runtime.stop()));
  await hub?.close();
  await broker?.close();
  await fixture?.close();
});

test('a Kafka message from Port triggers exactly one resync of exactly the right integration', async () => {
  const { logger, lines } = createCapturingLogger('debug');
  const ids = ['kafka-alpha', 'kafka-beta', 'kafka-gamma'];
  for (const id of ids) {
    await provisionFake(fixture, fakeIdentity(id));
    const runtime = createTestRuntime(
      fixture,
      hub,
      {
        identifier: id,
        instance: await fakeInstance(SMALL),
        // Org id and credentials come from Port (the emulator), not from this config.
        listener: { type: 'KAFKA', brokers: JSON.stringify(broker.brokers), securityProtocol: 'SASL_PLAINTEXT' },
        tuning: { kafka: FAST },
      },
      logger,
    );
    runtimes.push(runtime);
    await runtime.start();
  }
  for (const id of ids) expect(broker.group(kafkaGroupId(ORG, { type: 'fake', identifier: id }))).toBeDefined();

  await broker.produce(TOPIC, [{ value: JSON.stringify({ action: 'RESYNC', context: { integrationId: 'kafka-beta' } }) }]);
  // Every consumer handled the message (committed past it): only then is "no resync" a fact.
  const groupOf = (id: string) => kafkaGroupId(ORG, { type: 'fake', identifier: id });
  await eventually(() => ids.every((id) => broker.committedOffset(groupOf(id), TOPIC, 0) === '1'), 'all three groups to commit the message');
  const beta = runtimes[1]!;
  await eventually(() => beta.status().lastRun !== null, 'the resync of kafka-beta to end');

  expect(beta.status().recent).toHaveLength(1);
  expect(beta.status().lastRun).toMatchObject({ status: 'completed', trigger: { source: 'listener', reason: `Kafka ${TOPIC}/0@0` } });
  expect(beta.status().lastRun?.progress?.totals.upserted).toBe(11);
  expect(runtimes[0]!.status().recent).toEqual([]);
  expect(runtimes[2]!.status().recent).toEqual([]);
  expect(lines.join('')).not.toContain(CREDENTIALS.password);
});

test('a listener that cannot reach Kafka at start keeps retrying; resyncs work meanwhile and Kafka triggers them once it is back', async () => {
  const { logger } = createCapturingLogger();
  const id = 'kafka-late';
  // A free port where the broker will appear later.
  const probe = await startKafkaBroker({ sasl: { mechanism: 'scram-sha-512', ...CREDENTIALS } });
  const port = probe.port;
  await probe.close();
  await provisionFake(fixture, fakeIdentity(id));
  const runtime = createTestRuntime(
    fixture,
    hub,
    { identifier: id, instance: await fakeInstance(SMALL), listener: { type: 'KAFKA', brokers: `127.0.0.1:${port}`, securityProtocol: 'SASL_PLAINTEXT' }, tuning: { kafka: FAST }, listenerRetryMs: 200 },
    logger,
  );
  runtimes.push(runtime);
  await runtime.start();
  expect(runtime.status().listenerError).toMatch(/could not start/);
  expect((await runtime.requestResync({ source: 'admin' }).done).status).toBe('completed');

  const late = await startKafkaBroker({ port, sasl: { mechanism: 'scram-sha-512', ...CREDENTIALS } });
  try {
    await eventually(() => runtime.status().listenerError === null, 'the listener to start', 20_000);
    await late.produce(TOPIC, [{ value: JSON.stringify({ action: 'RESYNC', context: { integrationId: id } }) }]);
    await eventually(() => runtime.status().recent.filter((run) => run.trigger.source === 'listener' && run.endedAt !== null).length === 1, 'the Kafka-triggered resync');
  } finally {
    await runtime.stop();
    await late.close();
  }
});

test('brokers are read as a comma list or a JSON array, defaulting to Port-hosted ones', () => {
  expect(parseBrokers(' a:9092, b:9093 ')).toEqual(['a:9092', 'b:9093']);
  expect(parseBrokers('["a:9092","b:9093"]')).toEqual(['a:9092', 'b:9093']);
  expect(parseBrokers(undefined)).toEqual(PORT_KAFKA_BROKERS);
  expect(() => parseBrokers('["a:9092"')).toThrow(/eventListener.brokers looks like a JSON array but is not valid JSON/);
});
