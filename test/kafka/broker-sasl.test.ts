import type { SASLOptions } from 'kafkajs';
import { startKafkaBroker, testTlsCertificate, type KafkaBroker, type SaslMechanism } from '../support/kafka-broker/index.js';
import { createTestKafka, eventually, FAST_CONSUMER } from './fast-client.js';

const PASSWORD = 's3cr3t-Pa55,=word';

describe.each<[SaslMechanism, SASLOptions['mechanism']]>([
  ['scram-sha-512', 'scram-sha-512'],
  ['plain', 'plain'],
])('SASL %s', (mechanism, clientMechanism) => {
  let broker: KafkaBroker;
  beforeEach(async () => {
    broker = await startKafkaBroker({ sasl: { mechanism, username: 'marina', password: PASSWORD } });
  });
  afterEach(() => broker.close());

  const client = (password: string) =>
    createTestKafka(broker.brokers, {
      sasl: { mechanism: clientMechanism, username: 'marina', password } as SASLOptions,
      retry: { retries: 0 },
    });

  test('accepts the right credentials for producing and consuming', async () => {
    const producer = client(PASSWORD).producer();
    await producer.connect();
    await producer.send({ topic: 'secure', messages: [{ value: 'authenticated' }] });
    await producer.disconnect();

    const seen: string[] = [];
    const consumer = client(PASSWORD).consumer({ groupId: 'secure-group', ...FAST_CONSUMER });
    await consumer.connect();
    await consumer.subscribe({ topic: 'secure', fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(String(message.value)) });
    await eventually(() => seen.length === 1);
    await consumer.disconnect();
    expect(seen).toEqual(['authenticated']);
  });

  test('rejects a wrong password without echoing it', async () => {
    const producer = client('wrong-password-123').producer();
    const failure = await producer.connect().then(
      () => undefined,
      (error: Error) => error,
    );
    expect(failure?.name).toBe('KafkaJSSASLAuthenticationError');
    expect(failure?.message).not.toContain('wrong-password-123');
    expect(failure?.message).not.toContain(PASSWORD);
    await producer.disconnect();
  });
});

test('a broker without SASL refuses a client that insists on it', async () => {
  const broker = await startKafkaBroker();
  try {
    const producer = createTestKafka(broker.brokers, {
      sasl: { mechanism: 'plain', username: 'u', password: 'p' },
      retry: { retries: 0 },
    }).producer();
    await expect(producer.connect()).rejects.toMatchObject({ type: 'UNSUPPORTED_SASL_MECHANISM' });
    await producer.disconnect();
  } finally {
    await broker.close();
  }
});

describe('TLS', () => {
  let broker: KafkaBroker;
  const { cert } = testTlsCertificate();
  beforeEach(async () => {
    broker = await startKafkaBroker({
      tls: testTlsCertificate(),
      sasl: { mechanism: 'scram-sha-512', username: 'marina', password: PASSWORD },
    });
  });
  afterEach(() => broker.close());

  test('SASL SCRAM-SHA-512 over TLS works for a client trusting the certificate', async () => {
    const producer = createTestKafka(broker.brokers, {
      ssl: { ca: [cert] },
      sasl: { mechanism: 'scram-sha-512', username: 'marina', password: PASSWORD },
    }).producer();
    await producer.connect();
    const [result] = await producer.send({ topic: 'tls', messages: [{ value: 'encrypted' }] });
    await producer.disconnect();
    expect(result).toMatchObject({ topicName: 'tls', partition: 0, baseOffset: '0' });
  });

  test('a client that does not trust the certificate cannot connect', async () => {
    const producer = createTestKafka(broker.brokers, {
      ssl: true,
      sasl: { mechanism: 'scram-sha-512', username: 'marina', password: PASSWORD },
      retry: { retries: 0 },
    }).producer();
    await expect(producer.connect()).rejects.toThrow(/certificate/i);
    await producer.disconnect();
  });
});
