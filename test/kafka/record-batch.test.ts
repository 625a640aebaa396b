import fc from 'fast-check';
import { crc32c } from '../support/kafka-broker/crc32c.js';
import { Reader, Writer } from '../support/kafka-broker/codec.js';
import { decodeRecordBatches, encodeRecordBatch, type StoredRecord } from '../support/kafka-broker/record-batch.js';

test('CRC-32C matches the published check value', () => {
  // RFC 3720 / iSCSI check value for the ASCII digits 1..9.
  expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
});

test('zig-zag varints round-trip, including values past 32 bits', () => {
  fc.assert(
    fc.property(fc.integer({ min: -(2 ** 52), max: 2 ** 52 }), (value) => {
      expect(new Reader(new Writer().varint(value).toBuffer()).varint()).toBe(value);
    }),
  );
});

const recordArb = fc.record({
  key: fc.option(fc.uint8Array({ maxLength: 20 }).map((a) => Buffer.from(a)), { nil: null }),
  value: fc.option(fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)), { nil: null }),
  headers: fc.array(
    fc.record({ key: fc.string({ maxLength: 10 }), value: fc.option(fc.uint8Array({ maxLength: 10 }).map((a) => Buffer.from(a)), { nil: null }) }),
    { maxLength: 3 },
  ),
  timestamp: fc.bigInt({ min: 1_600_000_000_000n, max: 1_900_000_000_000n }),
});

test('a batch encoded here decodes to the same records (keys, values, headers, timestamps)', () => {
  fc.assert(
    fc.property(fc.array(recordArb, { minLength: 1, maxLength: 10 }), fc.bigInt({ min: 0n, max: 2n ** 40n }), (records, base) => {
      const stored: StoredRecord[] = records.map((r, i) => ({ ...r, offset: base + BigInt(i) }));
      const decoded = decodeRecordBatches(encodeRecordBatch(stored));
      expect(decoded).toEqual(records);
    }),
  );
});

test('a batch with a flipped byte fails its CRC check instead of being stored', () => {
  const batch = encodeRecordBatch([{ offset: 0n, timestamp: 1n, key: null, value: Buffer.from('payload'), headers: [] }]);
  batch.writeUInt8(batch.readUInt8(batch.length - 3) ^ 0xff, batch.length - 3);
  expect(() => decodeRecordBatches(batch)).toThrow(/CRC-32C/);
});

test('a truncated batch is reported with where it stopped', () => {
  const batch = encodeRecordBatch([{ offset: 0n, timestamp: 1n, key: null, value: Buffer.from('payload'), headers: [] }]);
  expect(() => decodeRecordBatches(batch.subarray(0, batch.length - 5))).toThrow(/truncated record batch/);
});
