/**
 * Raw records from a stream as they arrive, in batches: a JSON array (`[{...}, ...]`) or NDJSON
 * (one record per line). Splitting and parsing are two steps, so batches can be parsed on
 * other threads: `splitRecordBatches` only finds where array elements (or lines) end, with a
 * byte scan that tracks strings and nesting; `parseRecordBatch` parses a batch
 * with one native `JSON.parse`. Memory holds a batch or two, whatever the input's size.
 */

/** Bad input: the message names the source, the line and what is wrong. */
export class RecordInputError extends Error {
  override name = 'RecordInputError';
}

/** Complete records as text: array elements separated by commas, or whole lines. */
export interface RecordBatch {
  kind: 'elements' | 'lines';
  bytes: Uint8Array;
  /** The input's line number (1-based) of the batch's first byte. */
  firstLine: number;
}

export interface SplitOptions {
  /** Named in error messages (a path, or `<stdin>`). */
  source: string;
  /** Bytes of input gathered into one batch. @default 1 MiB */
  batchBytes?: number;
}

const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const NEWLINE = 0x0a;
const AFTER_ARRAY = 'unexpected data after the JSON array (NDJSON records are objects, one per line)';

function isWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

function countNewlines(bytes: Uint8Array, start: number, end: number): number {
  let count = 0;
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = buffer.indexOf(NEWLINE, start); at !== -1 && at < end; at = buffer.indexOf(NEWLINE, at + 1)) count++;
  return count;
}

function toBuffer(chunk: unknown): Buffer {
  return typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
}

/** Where V8's JSON.parse message gives a position in `text`, the 1-based line of it. */
function lineOfParseError(text: string, message: string): number | undefined {
  const match = /position (\d+)/.exec(message);
  if (match === null) return undefined;
  const position = Math.min(Number(match[1]), text.length);
  let line = 1;
  for (let at = text.indexOf('\n'); at !== -1 && at < position; at = text.indexOf('\n', at + 1)) line++;
  return line;
}

/** Parses one batch; errors name the input's line (or the batch's lines when V8 gives no position). */
export function parseRecordBatch(batch: RecordBatch, source: string): unknown[] {
  const text = Buffer.from(batch.bytes.buffer, batch.bytes.byteOffset, batch.bytes.byteLength).toString('utf8');
  if (batch.kind === 'elements') {
    const wrapped = `[${text}]`;
    try {
      return JSON.parse(wrapped) as unknown[];
    } catch (error) {
      const message = (error as Error).message;
      const at = lineOfParseError(wrapped, message);
      const lines = at === undefined ? `${batch.firstLine}-${batch.firstLine + countNewlines(batch.bytes, 0, batch.bytes.length)}` : String(batch.firstLine + at - 1);
      throw new RecordInputError(`${source}:${lines}: invalid JSON: ${message}`);
    }
  }
  const records: unknown[] = [];
  let line = batch.firstLine - 1;
  let from = 0;
  while (from < text.length) {
    let to = text.indexOf('\n', from);
    if (to === -1) to = text.length;
    line++;
    const raw = text.slice(from, to);
    from = to + 1;
    if (raw.trim() === '') continue;
    try {
      records.push(JSON.parse(raw));
    } catch (error) {
      throw new RecordInputError(`${source}:${line}: invalid JSON: ${(error as Error).message}`);
    }
  }
  return records;
}

/**
 * Yields batches of complete records in input order. Throws {@link RecordInputError} for what
 * the split itself can see (an unclosed array, data after it); JSON errors inside a batch are
 * found when it is parsed.
 */
export async function* splitRecordBatches(input: AsyncIterable<unknown>, options: SplitOptions): AsyncGenerator<RecordBatch> {
  const batchBytes = options.batchBytes ?? 1024 * 1024;
  const source = options.source;
  let pending: Buffer = Buffer.alloc(0);
  /** Lines (newlines) before `pending`'s first byte. */
  let linesBefore = 0;
  let mode: 'unknown' | 'array' | 'ndjson' = 'unknown';
  let started = false;

  // Array mode: the scan's state between chunks. `pending` always starts with the array's `[`
  // (the real one, or one put back after a cut); `scanAt` is where the scan resumes; `cut` is
  // just past the last comma between two complete elements; `end` is the closing bracket.
  let depth = 0;
  let inString = false;
  let escaped = false;
  let scanAt = 0;
  let cut = -1;
  let end = -1;
  let closed = false;
  let cuts = 0;

  const fail = (line: number, message: string): never => {
    throw new RecordInputError(`${source}:${line}: ${message}`);
  };
  const lineAt = (buffer: Buffer, at: number): number => linesBefore + countNewlines(buffer, 0, at) + 1;

  /** Elements pending[1, to) as a batch, when they hold anything but whitespace. */
  const elements = (to: number): RecordBatch | undefined => {
    const bytes = pending.subarray(1, to);
    if (bytes.every(isWhitespace)) return undefined;
    return { kind: 'elements', bytes, firstLine: linesBefore + 1 };
  };

  /** Scans pending from scanAt; a batch once enough complete elements are in, or at the close. */
  const scanArray = (): RecordBatch | undefined => {
    const buf = pending;
    const n = buf.length;
    let i = scanAt;
    while (i < n && !closed) {
      if (inString) {
        // A string's body: a tight byte loop beats indexOf calls on the short strings (keys)
        // records are made of. A backslash escapes the next byte, maybe in the next chunk.
        if (escaped) {
          escaped = false;
          i++;
        }
        while (i < n) {
          const byte = buf[i++];
          if (byte === QUOTE) {
            inString = false;
            break;
          }
          if (byte === BACKSLASH) {
            if (i < n) i++;
            else escaped = true;
          }
        }
        continue;
      }
      const byte = buf[i]!;
      if (byte === QUOTE) inString = true;
      else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) depth++;
      else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) {
          closed = true;
          end = i;
          i++;
          break;
        }
      } else if (byte === COMMA && depth === 1) cut = i + 1;
      i++;
    }
    scanAt = i;
    if (closed) {
      // `[a,` + `]`: a batch was cut after a comma and nothing but whitespace follows it.
      const batch = elements(end);
      if (batch === undefined && cuts > 0) fail(lineAt(buf, end), 'invalid JSON: a comma before the closing bracket of the array');
      for (let k = scanAt; k < n; k++) if (!isWhitespace(buf[k]!)) fail(lineAt(buf, k), AFTER_ARRAY);
      linesBefore += countNewlines(buf, 0, n);
      pending = Buffer.alloc(0);
      return batch;
    }
    if (cut > 1 && cut >= batchBytes) {
      const batch = elements(cut - 1);
      if (batch === undefined) fail(lineAt(buf, cut), 'invalid JSON: an array element is missing before a comma');
      linesBefore += countNewlines(buf, 0, cut);
      // Put the bracket back in front, so positions in `pending` mean the same after the cut.
      pending = Buffer.concat([Buffer.from('['), buf.subarray(cut)]);
      scanAt = scanAt - cut + 1;
      cut = -1;
      cuts++;
      return batch;
    }
    return undefined;
  };

  /** NDJSON: the complete lines in pending once they fill a batch (all of it when final). */
  const takeLines = (final: boolean): RecordBatch | undefined => {
    const to = final ? pending.length : pending.lastIndexOf(NEWLINE) + 1;
    if (to <= 0 || (!final && to < batchBytes)) return undefined;
    const batch: RecordBatch = { kind: 'lines', bytes: pending.subarray(0, to), firstLine: linesBefore + 1 };
    linesBefore += countNewlines(pending, 0, to);
    pending = pending.subarray(to);
    return batch;
  };

  for await (const chunk of input) {
    let bytes = toBuffer(chunk);
    if (!started) {
      if (bytes.length === 0) continue;
      started = true;
      if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
    }
    if (mode === 'array' && closed) {
      for (let k = 0; k < bytes.length; k++) if (!isWhitespace(bytes[k]!)) fail(lineAt(bytes, k), AFTER_ARRAY);
      linesBefore += countNewlines(bytes, 0, bytes.length);
      continue;
    }
    pending = pending.length === 0 ? bytes : Buffer.concat([pending, bytes]);
    if (mode === 'unknown') {
      let k = 0;
      while (k < pending.length && isWhitespace(pending[k]!)) k++;
      if (k === pending.length) continue;
      linesBefore += countNewlines(pending, 0, k);
      pending = pending.subarray(k);
      mode = pending[0] === OPEN_BRACKET ? 'array' : 'ndjson';
      if (mode === 'array') {
        depth = 1;
        scanAt = 1;
      }
    }
    if (mode === 'array') {
      // A cut leaves no complete element behind it, so one batch per call is all there is.
      while (!closed) {
        const batch = scanArray();
        if (batch === undefined) break;
        yield batch;
      }
    } else {
      const batch = takeLines(false);
      if (batch !== undefined) yield batch;
    }
  }

  if (mode === 'array') {
    if (!closed) fail(lineAt(pending, pending.length), 'invalid JSON: the input ends before the JSON array is closed');
  } else if (mode === 'ndjson') {
    const batch = takeLines(true);
    if (batch !== undefined) yield batch;
  }
}
