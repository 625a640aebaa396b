/**
 * Big-endian readers and writers for the Kafka wire format (non-flexible versions only: the
 * broker advertises no flexible version, so tagged fields and compact encodings never occur).
 */

export class ProtocolDecodeError extends Error {
  override name = 'ProtocolDecodeError';
}

export class Reader {
  #buffer: Buffer;
  #offset = 0;

  constructor(buffer: Buffer) {
    this.#buffer = buffer;
  }

  get offset(): number {
    return this.#offset;
  }

  remaining(): number {
    return this.#buffer.length - this.#offset;
  }

  #need(bytes: number, what: string): void {
    if (bytes < 0 || this.#offset + bytes > this.#buffer.length) {
      throw new ProtocolDecodeError(
        `truncated ${what}: need ${bytes} bytes at offset ${this.#offset}, have ${this.remaining()}`,
      );
    }
  }

  int8(): number {
    this.#need(1, 'int8');
    const value = this.#buffer.readInt8(this.#offset);
    this.#offset += 1;
    return value;
  }

  int16(): number {
    this.#need(2, 'int16');
    const value = this.#buffer.readInt16BE(this.#offset);
    this.#offset += 2;
    return value;
  }

  int32(): number {
    this.#need(4, 'int32');
    const value = this.#buffer.readInt32BE(this.#offset);
    this.#offset += 4;
    return value;
  }

  uint32(): number {
    this.#need(4, 'uint32');
    const value = this.#buffer.readUInt32BE(this.#offset);
    this.#offset += 4;
    return value;
  }

  int64(): bigint {
    this.#need(8, 'int64');
    const value = this.#buffer.readBigInt64BE(this.#offset);
    this.#offset += 8;
    return value;
  }

  string(): string {
    const value = this.nullableString();
    if (value === null) throw new ProtocolDecodeError(`null string at offset ${this.#offset}`);
    return value;
  }

  nullableString(): string | null {
    const length = this.int16();
    if (length < 0) return null;
    return this.raw(length, 'string').toString('utf8');
  }

  bytes(): Buffer {
    const value = this.nullableBytes();
    return value ?? Buffer.alloc(0);
  }

  nullableBytes(): Buffer | null {
    const length = this.int32();
    if (length < 0) return null;
    return this.raw(length, 'bytes');
  }

  raw(length: number, what = 'bytes'): Buffer {
    this.#need(length, what);
    const value = this.#buffer.subarray(this.#offset, this.#offset + length);
    this.#offset += length;
    return value;
  }

  /** A null array (length -1) reads as `null`. */
  nullableArray<T>(item: (reader: Reader) => T): T[] | null {
    const length = this.int32();
    if (length < 0) return null;
    const items: T[] = [];
    for (let i = 0; i < length; i++) items.push(item(this));
    return items;
  }

  array<T>(item: (reader: Reader) => T): T[] {
    return this.nullableArray(item) ?? [];
  }

  /** Zig-zag varint (records use these for lengths and deltas). */
  varint(): number {
    let unsigned = 0;
    let multiplier = 1;
    for (let i = 0; i < 10; i++) {
      const byte = this.#buffer[this.#offset];
      if (byte === undefined) throw new ProtocolDecodeError(`truncated varint at offset ${this.#offset}`);
      this.#offset += 1;
      unsigned += (byte & 0x7f) * multiplier;
      if ((byte & 0x80) === 0) {
        // Arithmetic rather than bit operators so varlongs up to 2^53 survive.
        return unsigned % 2 === 0 ? unsigned / 2 : -(unsigned + 1) / 2;
      }
      multiplier *= 128;
    }
    throw new ProtocolDecodeError(`varint longer than 10 bytes at offset ${this.#offset}`);
  }
}

export class Writer {
  #chunks: Buffer[] = [];
  #length = 0;

  #push(chunk: Buffer): this {
    this.#chunks.push(chunk);
    this.#length += chunk.length;
    return this;
  }

  get length(): number {
    return this.#length;
  }

  int8(value: number): this {
    const chunk = Buffer.alloc(1);
    chunk.writeInt8(value);
    return this.#push(chunk);
  }

  bool(value: boolean): this {
    return this.int8(value ? 1 : 0);
  }

  int16(value: number): this {
    const chunk = Buffer.alloc(2);
    chunk.writeInt16BE(value);
    return this.#push(chunk);
  }

  int32(value: number): this {
    const chunk = Buffer.alloc(4);
    chunk.writeInt32BE(value);
    return this.#push(chunk);
  }

  uint32(value: number): this {
    const chunk = Buffer.alloc(4);
    chunk.writeUInt32BE(value);
    return this.#push(chunk);
  }

  int64(value: bigint | number): this {
    const chunk = Buffer.alloc(8);
    chunk.writeBigInt64BE(BigInt(value));
    return this.#push(chunk);
  }

  string(value: string | null): this {
    if (value === null) return this.int16(-1);
    const encoded = Buffer.from(value, 'utf8');
    return this.int16(encoded.length).#push(encoded);
  }

  bytes(value: Buffer | null): this {
    if (value === null) return this.int32(-1);
    return this.int32(value.length).#push(value);
  }

  raw(value: Buffer): this {
    return this.#push(value);
  }

  array<T>(items: readonly T[] | null, item: (writer: Writer, value: T) => void): this {
    if (items === null) return this.int32(-1);
    this.int32(items.length);
    for (const value of items) item(this, value);
    return this;
  }

  varint(value: number): this {
    let unsigned = value >= 0 ? value * 2 : -value * 2 - 1;
    const bytes: number[] = [];
    while (unsigned >= 0x80) {
      bytes.push((unsigned % 128) | 0x80);
      unsigned = Math.floor(unsigned / 128);
    }
    bytes.push(unsigned);
    return this.#push(Buffer.from(bytes));
  }

  /** A varint-length-prefixed byte string; `null` is length -1 (record keys, values, headers). */
  varBytes(value: Buffer | null): this {
    if (value === null) return this.varint(-1);
    return this.varint(value.length).#push(value);
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.#chunks, this.#length);
  }
}
