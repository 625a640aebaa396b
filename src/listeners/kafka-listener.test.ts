import { eventually as waitFor } from '../../test/support/eventually.js';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { isMarinaError } from '../errors.js';
import { startKafkaBroker, testTlsCertificate, type KafkaBroker } from '../../test/support/kafka-broker/index.js';
import { createKafkaListener, type KafkaListener, type KafkaListenerOptions, type KafkaResyncReason } from './kafka-listener.js';

const PASSWORD = 'Sup3r-S3cret-kafka-pw';
const SASL = { mechanism: 'scram-sha-512' as const, username: 'org_1-user', password: PASSWORD };
const FAST = {
  consumer: { sessionTimeoutMs: 1_500, rebalanceTimeoutMs: 2_000, heartbeatIntervalMs: 100, maxWaitTimeMs: 100 },
  connection: { timeoutMs: 1_000, retries: 1, initialRetryTimeMs: 50 },
};

let broker: KafkaBroker;
let logLines: string[];
const listeners: KafkaListener[] = [];

beforeEach(async () => {
  broker = await startKafkaBroker({ sasl: SASL });
  logLines = [];
});
afterEach(async () => {
  await Promise.all(listeners.splice(0).map((l) => l.stop()));
  await broker.close();
  // Every test runs with debug logging (kafkajs's included): the password must never show.
  expect(logLines.length).toBeGreaterThan(0);
  expect(logLines.join('\n')).not.toContain(PASSWORD);
});

const logger = () =>
  pino(
    { level: 'debug' },
    new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    }),
  );

function listen(overrides: Partial<KafkaListenerOptions> & Pick<KafkaListenerOptions, 'onResyncRequested'>) {
  const listener = createKafkaListener({
    brokers: broker.brokers,
    sasl: SASL,
    organizationId: 'org_1',
    integration: { identifier: 'github-acme', type: 'github' },
    logger: logger(),
    ...FAST,
    ...overrides,
  });
  listeners.push(listener);
  return listener;
}

function recorder() {
  const calls: KafkaResyncReason[] = [];
  return { calls, onResyncRequested: async (reason: KafkaResyncReason) => void calls.push(reason) };
}

const resyncRequest = (identifier: string) => ({ value: JSON.stringify({ action: 'RESYNC', context: { integrationId: identifier } }) });
const configChange = (identifier: string, type: string) => ({
  value: JSON.stringify({
    diff: {
      after: {
        identifier,
        installationAppType: type,
        updatedAt: '2026-02-01T00:00:00Z',
        resyncState: { updatedAt: '2026-01-01T00:00:00Z' },
        changelogDestination: { type: 'KAFKA' },
      },
    },
  }),
});

const eventually = (check: () => boolean): Promise<void> => waitFor(check, 'the Kafka condition', 25_000);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('a message for one integration triggers exactly one resync of exactly that integration', async () => {
  const github = recorder();
  const gitlab = recorder();
  const otherOrg = recorder();
  await listen({ onResyncRequested: github.onResyncRequested }).start();
  await listen({ integration: { identifier: 'gitlab-acme', type: 'gitlab' }, onResyncRequested: gitlab.onResyncRequested }).start();
  await listen({ organizationId: 'org_2', onResyncRequested: otherOrg.onResyncRequested }).start();

  await broker.produce('org_1.change.log', [
    { value: 'not json at all' },
    configChange('github-acme', 'gitlab'), // right identifier, wrong type
    configChange('github-acme', 'github'),
  ]);
  await eventually(() => github.calls.length === 1);
  expect(github.calls).toEqual([{ topic: 'org_1.change.log', partition: 0, offset: '2' }]);

  await broker.produce('org_1.change.log', [resyncRequest('gitlab-acme')]);
  await eventually(() => gitlab.calls.length === 1);
  expect(gitlab.calls).toEqual([{ topic: 'org_1.change.log', partition: 0, offset: '3' }]);
  // Each group has read (and committed) everything, so nothing else is still on its way.
  await eventually(() => broker.committedOffset('org_1.github.github-acme', 'org_1.change.log', 0) === '4');
  await eventually(() => broker.committedOffset('org_1.gitlab.gitlab-acme', 'org_1.change.log', 0) === '4');
  expect(github.calls).toHaveLength(1);
  expect(gitlab.calls).toHaveLength(1);

  // Same identifier and type in another organization: its own topic and group, untouched.
  await broker.produce('org_2.change.log', [resyncRequest('someone-else')]);
  await eventually(() => broker.committedOffset('org_2.github.github-acme', 'org_2.change.log', 0) === '1');
  expect(otherOrg.calls).toEqual([]);
});

test('triggering messages fetched together become one request, committed past the last', async () => {
  const github = recorder();
  await listen({ onResyncRequested: github.onResyncRequested }).start();
  await broker.produce('org_1.change.log', [resyncRequest('github-acme'), resyncRequest('github-acme'), resyncRequest('github-acme')]);
  await eventually(() => broker.committedOffset('org_1.github.github-acme', 'org_1.change.log', 0) === '3');
  expect(github.calls).toEqual([{ topic: 'org_1.change.log', partition: 0, offset: '2' }]);
});

test('the resync-requests topic is matched on context.integrationId', async () => {
  const github = recorder();
  await listen({ topics: ['org_1.integration.resync.requests'], onResyncRequested: github.onResyncRequested }).start();
  await broker.produce('org_1.integration.resync.requests', [
    { value: JSON.stringify({ context: { integrationId: 'other' } }) },
    { value: JSON.stringify({ context: { integrationId: 'github-acme' } }) },
  ]);
  await eventually(() => github.calls.length === 1);
  expect(github.calls[0]).toEqual({ topic: 'org_1.integration.resync.requests', partition: 0, offset: '1' });
});

test('the offset is committed only once the resync is accepted, and the member keeps its session meanwhile', async () => {
  let accept: () => void = () => {};
  let asked = false;
  await listen({
    onResyncRequested: () =>
      new Promise<void>((resolve) => {
        asked = true;
        accept = resolve;
      }),
  }).start();
  const before = broker.group('org_1.github.github-acme');

  await broker.produce('org_1.change.log', [resyncRequest('github-acme')]);
  await eventually(() => asked);
  // Hold acceptance for longer than the session timeout: only heartbeats keep the member in.
  await sleep(FAST.consumer.sessionTimeoutMs * 2);
  const whileWaiting = broker.committedOffset('org_1.github.github-acme', 'org_1.change.log', 0);
  accept();
  // '0' is the new group's start position, committed at join; the message itself is not yet.
  expect(whileWaiting).toBe('0');

  await eventually(() => broker.committedOffset('org_1.github.github-acme', 'org_1.change.log', 0) === '1');
  const after = broker.group('org_1.github.github-acme');
  expect(after?.generationId).toBe(before?.generationId);
  expect(after?.members.map((m) => m.memberId)).toEqual(before?.members.map((m) => m.memberId));
});

test('a rejected request leaves the offset uncommitted, so a restarted consumer sees the message again', async () => {
  const rejected: KafkaResyncReason[] = [];
  const first = listen({
    retryDelayMs: 60_000,
    onResyncRequested: async (reason) => {
      rejected.push(reason);
      throw new Error('integration is shutting down');
    },
  });
  await first.start();
  await broker.produce('org_1.change.log', [resyncRequest('github-acme')]);
  await eventually(() => rejected.length === 1);
  await first.stop();
  expect(broker.committedOffset('org_1.github.github-acme', 'org_1.change.log', 0)).toBe('0');

  const github = recorder();
  await listen({ onResyncRequested: github.onResyncRequested }).start();
  await eventually(() => github.calls.length === 1);
  expect(github.calls[0]).toEqual(rejected[0]);
  await eventually(() => broker.committedOffset('org_1.github.github-acme', 'org_1.change.log', 0) === '1');
  expect(logLines.join('\n')).toContain('integration is shutting down');
});

test('a rejected request is retried by the running consumer after the retry delay', async () => {
  const calls: KafkaResyncReason[] = [];
  await listen({
    retryDelayMs: 100,
    onResyncRequested: async (reason) => {
      calls.push(reason);
      if (calls.length === 1) throw new Error('busy');
    },
  }).start();
  await broker.produce('org_1.change.log', [resyncRequest('github-acme')]);
  await eventually(() => broker.committedOffset('org_1.github.github-acme', 'org_1.change.log', 0) === '1');
  expect(calls).toHaveLength(2);
  expect(calls[1]).toEqual(calls[0]);
});

test('SASL SCRAM-SHA-512 over TLS, as Port runs it, delivers the request', async () => {
  const tlsBroker = await startKafkaBroker({ sasl: SASL, tls: testTlsCertificate() });
  try {
    const github = recorder();
    const listener = listen({ brokers: tlsBroker.brokers, ssl: { ca: [testTlsCertificate().cert] }, onResyncRequested: github.onResyncRequested });
    await listener.start();
    await tlsBroker.produce('org_1.change.log', [resyncRequest('github-acme')]);
    await eventually(() => github.calls.length === 1);
    await listener.stop();
    expect(github.calls).toEqual([{ topic: 'org_1.change.log', partition: 0, offset: '0' }]);
  } finally {
    await tlsBroker.close();
  }
});

test('wrong credentials fail start with KAFKA_AUTH_FAILED and no password in the error', async () => {
  const wrong = 'the-wrong-password-42';
  const listener = listen({ sasl: { ...SASL, password: wrong }, onResyncRequested: async () => {} });
  const error = await listener.start().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isMarinaError(error, 'KAFKA_AUTH_FAILED')).toBe(true);
  expect(String((error as Error).message)).toContain('github-acme');
  expect(JSON.stringify({ message: (error as Error).message, details: (error as { details: unknown }).details })).not.toMatch(
    new RegExp(`${wrong}|${PASSWORD}`),
  );
  expect(logLines.join('\n')).not.toContain(wrong);
});

test('an unreachable broker fails start with KAFKA_CONNECT_FAILED naming the brokers', async () => {
  const gone = await startKafkaBroker();
  await gone.close();
  const listener = listen({ brokers: gone.brokers, sasl: undefined, onResyncRequested: async () => {} });
  const error = await listener.start().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isMarinaError(error, 'KAFKA_CONNECT_FAILED')).toBe(true);
  expect((error as { details: { brokers: string[] } }).details.brokers).toEqual(gone.brokers);
  logLines.push('(no log expected)');
});
