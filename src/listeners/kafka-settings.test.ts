import { pino } from 'pino';
import { startEmulator, type Emulator } from '../emulator/index.js';
import { isMarinaError } from '../errors.js';
import { startKafkaBroker, testTlsCertificate } from '../../test/support/kafka-broker/index.js';
import { createKafkaListener, type KafkaResyncReason } from './kafka-listener.js';
import { DEFAULT_KAFKA_BROKERS, parseKafkaBrokers, resolveKafkaSettings } from './kafka-settings.js';

describe('parseKafkaBrokers', () => {
  test.each([
    ['a comma list', 'a:9092, b:9093', ['a:9092', 'b:9093']],
    ['a JSON array in a string (Ocean env form)', '["a:9092","b:9093"]', ['a:9092', 'b:9093']],
    ['an array', ['127.0.0.1:1234'], ['127.0.0.1:1234']],
    ['nothing (Port defaults)', undefined, DEFAULT_KAFKA_BROKERS],
  ])('accepts %s', (_name, value, expected) => {
    expect(parseKafkaBrokers(value)).toEqual(expected);
  });

  test('names the broker entry that is not host:port', () => {
    let error: unknown;
    try {
      parseKafkaBrokers('a:9092,just-a-host');
    } catch (e) {
      error = e;
    }
    expect(isMarinaError(error, 'CONFIG_INVALID')).toBe(true);
    expect((error as Error).message).toBe('eventListener.brokers[1]: "just-a-host" is not host:port');
  });

  test('refuses an empty list', () => {
    expect(() => parseKafkaBrokers(' , ')).toThrow('eventListener.brokers: no broker given');
  });
});

describe('resolveKafkaSettings with the local Port', () => {
  let port: Emulator;
  const kafkaCredentials = { username: 'org-kafka-user', password: 'kafka-Pa55-from-port' };

  beforeEach(async () => {
    port = await startEmulator({ organizationId: 'org_42', kafkaCredentials });
  });
  afterEach(() => port.close());

  async function portGet(path: string): Promise<unknown> {
    const auth = await fetch(`${port.url}/v1/auth/access_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ clientId: 'id', clientSecret: 'secret' }),
    });
    const { accessToken } = (await auth.json()) as { accessToken: string };
    const response = await fetch(`${port.url}${path}`, { headers: { authorization: `Bearer ${accessToken}` } });
    return response.json();
  }

  test('Ocean defaults: SASL_SSL with SCRAM-SHA-512, credentials and organization from Port', async () => {
    const resolved = await resolveKafkaSettings({ settings: { brokers: '127.0.0.1:9196' }, get: portGet });
    expect(resolved).toEqual({
      brokers: ['127.0.0.1:9196'],
      organizationId: 'org_42',
      topics: ['org_42.change.log'],
      ssl: true,
      sasl: { mechanism: 'scram-sha-512', ...kafkaCredentials },
    });
  });

  test('with security disabled, Port is asked only for the organization', async () => {
    const asked: string[] = [];
    const resolved = await resolveKafkaSettings({
      settings: { brokers: 'k:1', kafkaSecurityEnabled: false },
      get: (path) => {
        asked.push(path);
        return portGet(path);
      },
    });
    expect(asked).toEqual(['/v1/organization']);
    expect(resolved).toMatchObject({ ssl: false, organizationId: 'org_42' });
    expect(resolved.sasl).toBeUndefined();
  });

  test('settings from Port drive a listener end to end over SASL_SSL', async () => {
    const broker = await startKafkaBroker({ tls: testTlsCertificate(), sasl: { mechanism: 'scram-sha-512', ...kafkaCredentials } });
    const calls: KafkaResyncReason[] = [];
    const resolved = await resolveKafkaSettings({ settings: { brokers: broker.brokers }, get: portGet });
    const listener = createKafkaListener({
      ...resolved,
      // The test broker's certificate is self-signed: trust it explicitly.
      ssl: resolved.ssl ? { ca: [testTlsCertificate().cert] } : false,
      integration: { identifier: 'jira-main', type: 'jira' },
      logger: pino({ level: 'silent' }),
      consumer: { sessionTimeoutMs: 1_500, heartbeatIntervalMs: 100, maxWaitTimeMs: 100 },
      onResyncRequested: async (reason) => void calls.push(reason),
    });
    try {
      await listener.start();
      await broker.produce('org_42.change.log', [{ value: JSON.stringify({ action: 'RESYNC', context: { integrationId: 'jira-main' } }) }]);
      while (calls.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(calls).toEqual([{ topic: 'org_42.change.log', partition: 0, offset: '0' }]);
      expect(broker.group('org_42.jira.jira-main')?.members).toHaveLength(1);
    } finally {
      await listener.stop();
      await broker.close();
    }
  });
});

test('the resync-requests feature flag switches the topic', async () => {
  const resolved = await resolveKafkaSettings({
    settings: { brokers: 'k:1', securityProtocol: 'PLAINTEXT' },
    get: async () => ({ ok: true, organization: { id: 'org_7', featureFlags: ['OCEAN_KAFKA_INTEGRATION_RESYNC_REQUESTS_TOPIC_ENABLED'] } }),
  });
  expect(resolved).toEqual({ brokers: ['k:1'], organizationId: 'org_7', topics: ['org_7.integration.resync.requests'], ssl: false });
});

test('missing Kafka credentials are a typed error that does not echo what Port sent', async () => {
  const error = await resolveKafkaSettings({
    settings: { brokers: 'k:1' },
    get: async (path) =>
      path === '/v1/organization' ? { organization: { id: 'org_7' } } : { ok: true, credentials: { password: 'half-a-secret' } },
  }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isMarinaError(error, 'KAFKA_CREDENTIALS_NOT_FOUND')).toBe(true);
  expect(JSON.stringify({ m: (error as Error).message, d: (error as { details: unknown }).details })).not.toContain('half-a-secret');
});

test('an unsupported mechanism is a configuration error naming the field', async () => {
  await expect(
    resolveKafkaSettings({ settings: { brokers: 'k:1', authenticationMechanism: 'GSSAPI' }, get: async () => ({}) }),
  ).rejects.toThrow('eventListener.authenticationMechanism: "GSSAPI" is not supported (use SCRAM-SHA-512 or PLAIN)');
});
