/**
 * RecordBatch v2 ("magic 2"), the on-wire and on-disk format of Kafka >= 0.11: a fixed batch
 * header followed by varint-encoded records. Only uncompressed, non-transactional batches are
 * produced here; decoding rejects compression and checks the CRC so a corrupt produce request is
 * answered with an error instead of storing garbage.
 */
import { crc32c } from './crc32c.js';
import { ProtocolDecodeError, Reader, Writer } from './codec.js';

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

export interface StoredRecord {
  offset: bigint;
  timestamp: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

/** A decoded record before the log assigns it an offset. */
export type IncomingRecord = Omit<StoredRecord, 'offset'>;

export class UnsupportedCompressionError extends Error {
  override name = 'UnsupportedCompressionError';
}

const MAGIC = 2;
/** Bytes from the start of the batch up to (excluding) the attributes field, which the CRC starts at. */
const CRC_START = 21;
const COMPRESSION_MASK = 0x07;
const CONTROL_BIT = 0x20;

/** Decodes every batch in a produce request's record set. */
export function decodeRecordBatches(data: Buffer): IncomingRecord[] {
  const reader = new Reader(data);
  const records: IncomingRecord[] = [];
  while (reader.remaining() > 0) {
    const batchStart = reader.offset;
    reader.int64(); // base offset: assigned by the log, ignored on produce
    const batchLength = reader.int32();
    const batch = new Reader(reader.raw(batchLength, 'record batch'));
    batch.int32(); // partition leader epoch
    const magic = batch.int8();
    if (magic !== MAGIC) {
      throw new ProtocolDecodeError(`record batch at ${batchStart} has magic ${magic}, expected ${MAGIC}`);
    }
    const crc = batch.uint32();
    const checked = data.subarray(batchStart + CRC_START, batchStart + 12 + batchLength);
    if (crc32c(checked) !== crc) {
      throw new ProtocolDecodeError(`record batch at ${batchStart} fails its CRC-32C check`);
    }
    const attributes = batch.int16();
    if ((attributes & COMPRESSION_MASK) !== 0) {
      throw new UnsupportedCompressionError(`compression codec ${attributes & COMPRESSION_MASK} is not supported`);
    }
    batch.int32(); // last offset delta
    const baseTimestamp = batch.int64();
    batch.int64(); // max timestamp
    batch.int64(); // producer id
    batch.int16(); // producer epoch
    batch.int32(); // base sequence
    const count = batch.int32();
    for (let i = 0; i < count; i++) {
      const record = decodeRecord(batch, baseTimestamp);
      if ((attributes & CONTROL_BIT) === 0) records.push(record);
    }
  }
  return records;
}

function decodeRecord(batch: Reader, baseTimestamp: bigint): IncomingRecord {
  const length = batch.varint();
  const record = new Reader(batch.raw(length, 'record'));
  record.int8(); // attributes (unused in v2)
  const timestampDelta = record.varint();
  record.varint(); // offset delta: offsets are reassigned by the log
  const key = readVarBytes(record);
  const value = readVarBytes(record);
  const headerCount = record.varint();
  const headers: RecordHeader[] = [];
  for (let i = 0; i < headerCount; i++) {
    const headerKey = readVarBytes(record);
    headers.push({ key: headerKey?.toString('utf8') ?? '', value: readVarBytes(record) });
  }
  return { timestamp: baseTimestamp + BigInt(timestampDelta), key, value, headers };
}

function readVarBytes(reader: Reader): Buffer | null {
  const length = reader.varint();
  return length < 0 ? null : Buffer.from(reader.raw(length, 'record field'));
}

/** Encodes consecutive stored records as one uncompressed batch (offsets must be contiguous). */
export function encodeRecordBatch(records: readonly StoredRecord[]): Buffer {
  const first = records[0];
  if (first === undefined) return Buffer.alloc(0);
  const baseTimestamp = records.reduce((min, r) => (r.timestamp < min ? r.timestamp : min), first.timestamp);
  const maxTimestamp = records.reduce((max, r) => (r.timestamp > max ? r.timestamp : max), first.timestamp);

  const body = new Writer()
    .int16(0) // attributes: no compression, create-time timestamps, not transactional
    .int32(Number(records[records.length - 1]!.offset - first.offset))
    .int64(baseTimestamp)
    .int64(maxTimestamp)
    .int64(-1) // producer id
    .int16(-1) // producer epoch
    .int32(-1) // base sequence
    .int32(records.length);
  for (const record of records) {
    const encoded = new Writer()
      .int8(0)
      .varint(Number(record.timestamp - baseTimestamp))
      .varint(Number(record.offset - first.offset))
      .varBytes(record.key)
      .varBytes(record.value)
      .varint(record.headers.length);
    for (const header of record.headers) {
      encoded.varBytes(Buffer.from(header.key, 'utf8')).varBytes(header.value);
    }
    const bytes = encoded.toBuffer();
    body.varint(bytes.length).raw(bytes);
  }
  const bodyBytes = body.toBuffer();

  return new Writer()
    .int64(first.offset)
    .int32(4 + 1 + 4 + bodyBytes.length) // leader epoch + magic + crc + body
    .int32(0) // partition leader epoch
    .int8(MAGIC)
    .uint32(crc32c(bodyBytes))
    .raw(bodyBytes)
    .toBuffer();
}
