/** The broker answers malformed or unsupported requests with Kafka's error codes or a closed connection, and keeps serving everyone else. */
import { connect, type Socket } from 'node:net';
import { Reader, Writer } from '../support/kafka-broker/codec.js';
import { ApiKeys, ErrorCodes } from '../support/kafka-broker/protocol.js';
import { encodeRecordBatch } from '../support/kafka-broker/record-batch.js';
import { startKafkaBroker, type KafkaBroker } from '../support/kafka-broker/index.js';
import { createTestKafka } from './fast-client.js';

let broker: KafkaBroker;
let errors: string[];
beforeEach(async () => {
  errors = [];
  broker = await startKafkaBroker({ onError: (error) => errors.push(error.message) });
});
afterEach(() => broker.close());

function open(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(broker.port, broker.host, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Sends one request (header v1) and reads one response body, or resolves 'closed'. */
function call(socket: Socket, apiKey: number, version: number, body: Buffer): Promise<Reader | 'closed'> {
  return new Promise((resolve) => {
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length >= 4 && buffered.length >= 4 + buffered.readInt32BE(0)) {
        resolve(new Reader(buffered.subarray(8, 4 + buffered.readInt32BE(0))));
      }
    });
    socket.on('close', () => resolve('closed'));
    const payload = new Writer().int16(apiKey).int16(version).int32(7).string('raw-test').raw(body).toBuffer();
    socket.write(new Writer().int32(payload.length).raw(payload).toBuffer());
  });
}

async function stillServes(): Promise<void> {
  const producer = createTestKafka(broker.brokers).producer();
  await producer.connect();
  await producer.send({ topic: 'alive', messages: [{ value: 'yes' }] });
  await producer.disconnect();
}

test('a garbage frame size closes that connection only', async () => {
  const socket = await open();
  const closed = new Promise((resolve) => socket.on('close', resolve));
  socket.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3]));
  await closed;
  expect(errors.join('\n')).toMatch(/invalid frame size -1/);
  await stillServes();
});

test('an API version the broker never advertised closes the connection with a reason', async () => {
  const socket = await open();
  expect(await call(socket, ApiKeys.Fetch, 11, Buffer.alloc(0))).toBe('closed');
  expect(errors.join('\n')).toMatch(/unsupported api key 1 version 11/);
  await stillServes();
});

test('ApiVersions newer than supported is answered in v0 form with UNSUPPORTED_VERSION and the list', async () => {
  const socket = await open();
  const response = await call(socket, ApiKeys.ApiVersions, 3, Buffer.alloc(0));
  if (response === 'closed') throw new Error('connection closed');
  expect(response.int16()).toBe(ErrorCodes.UNSUPPORTED_VERSION);
  const keys = response.array((r) => [r.int16(), r.int16(), r.int16()]);
  expect(keys).toContainEqual([ApiKeys.Fetch, 4, 4]);
  socket.destroy();
});

test('a truncated request body closes the connection, naming what was cut', async () => {
  const socket = await open();
  expect(await call(socket, ApiKeys.Metadata, 1, Buffer.from([0, 0, 0, 1, 0, 9]))).toBe('closed');
  expect(errors.join('\n')).toMatch(/truncated string/);
  await stillServes();
});

test('a produced batch failing its CRC is refused with CORRUPT_MESSAGE and nothing is stored', async () => {
  broker.createTopic('crc');
  const batch = encodeRecordBatch([{ offset: 0n, timestamp: 1n, key: null, value: Buffer.from('payload'), headers: [] }]);
  batch.writeUInt8(batch.readUInt8(batch.length - 2) ^ 0xff, batch.length - 2);
  const body = new Writer()
    .string(null)
    .int16(1)
    .int32(1000)
    .array([null], (w) => w.string('crc').array([null], (pw) => pw.int32(0).bytes(batch)))
    .toBuffer();
  const socket = await open();
  const response = await call(socket, ApiKeys.Produce, 3, body);
  if (response === 'closed') throw new Error('connection closed');
  const [topic] = response.array((r) => ({ name: r.string(), partitions: r.array((p) => ({ index: p.int32(), error: p.int16() })) }));
  expect(topic).toEqual({ name: 'crc', partitions: [{ index: 0, error: ErrorCodes.CORRUPT_MESSAGE }] });
  expect(await broker.produce('crc', [{ value: 'next' }])).toEqual([{ partition: 0, offset: '0' }]);
  socket.destroy();
});
