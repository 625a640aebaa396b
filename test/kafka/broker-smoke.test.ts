import { startKafkaBroker, type KafkaBroker } from '../support/kafka-broker/index.js';
import { createTestKafka, FAST_CONSUMER, eventually } from './fast-client.js';

let broker: KafkaBroker;
beforeAll(async () => {
  broker = await startKafkaBroker();
});
afterAll(() => broker.close());

test('round trip', async () => {
  const kafka = createTestKafka(broker.brokers);
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: 'orders', messages: [{ key: 'k', value: 'hello', headers: { h: 'v' } }] });
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: 'g1', ...FAST_CONSUMER });
  await consumer.connect();
  await consumer.subscribe({ topic: 'orders', fromBeginning: true });
  const seen: string[] = [];
  await consumer.run({ eachMessage: async ({ message }) => { seen.push(message.value!.toString()); } });
  await eventually(() => seen.length > 0);
  await consumer.disconnect();
  expect(seen).toEqual(['hello']);
});
