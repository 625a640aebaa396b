/**
 * Reads raw records from a stream as they arrive, in batches: a JSON array (`[{...}, ...]`) or
 * NDJSON (one record per line). Memory holds one batch, whatever the input's size, and the
 * native `JSON.parse` does the parsing: a byte scan only finds where array elements end, jumping
 * over string contents with `indexOf`, and each batch of elements is parsed in one call.
 */

/** Bad input: the message names the source, the line and what is wrong. */
export class RecordInputError extends Error {
  override name = 'RecordInputError';
}

export interface RecordBatchOptions {
  /** Named in error messages (a path, or `<stdin>`). */
  source: string;
  /** Bytes of input gathered before a batch is parsed. @default 1 MiB */
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

function isWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

function countNewlines(buffer: Buffer, start: number, end: number): number {
  let count = 0;
  for (let at = buffer.indexOf(NEWLINE, start); at !== -1 && at < end; at = buffer.indexOf(NEWLINE, at + 1)) count++;
  return count;
}

function toBuffer(chunk: unknown): Buffer {
  return typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
}

/** Where `text` holds a JSON.parse error's position, the 1-based line of it within `text`. */
function lineOfParseError(text: string, message: string): number | undefined {
  const match = /position (\d+)/.exec(message);
  if (match === null) return undefined;
  const position = Math.min(Number(match[1]), text.length);
  let line = 1;
  for (let at = text.indexOf('\n'); at !== -1 && at < position; at = text.indexOf('\n', at + 1)) line++;
  return line;
}

/**
 * Yields arrays of parsed records, in input order. Throws {@link RecordInputError} at the first
 * problem; batches before it have been yielded.
 */
export async function* readRecordBatches(input: AsyncIterable<unknown>, options: RecordBatchOptions): AsyncGenerator<unknown[]> {
  const batchBytes = options.batchBytes ?? 1024 * 1024;
  const source = options.source;
  let pending: Buffer = Buffer.alloc(0);
  /** Lines (newlines) before `pending`'s first byte. */
  let linesBefore = 0;
  let mode: 'unknown' | 'array' | 'ndjson' = 'unknown';
  let started = false;

  // Array mode: the scan's state between chunks. `scanAt` is where the scan resumes in
  // `pending`; `cut` is just past the last complete element's separator (or the array's end).
  let depth = 0;
  let inString = false;
  let scanAt = 0;
  let cut = -1;
  let lastElementEnd = -1;
  let closed = false;
  let batches = 0;

  const fail = (line: number, message: string): never => {
    throw new RecordInputError(`${source}:${line}: ${message}`);
  };

  /** Parses pending[from, to) holding complete array elements separated by commas. */
  const parseElements = (from: number, to: number): unknown[] => {
    const text = pending.toString('utf8', from, to);
    try {
      const value: unknown = JSON.parse(`[${text}]`);
      return value as unknown[];
    } catch (error) {
      const message = (error as Error).message;
      const firstLine = linesBefore + countNewlines(pending, 0, from) + 1;
      const at = lineOfParseError(`[${text}]`, message);
      // Without a position in V8's message, name the lines of the batch.
      const lines = at === undefined ? `${firstLine}-${firstLine + countNewlines(pending, from, to)}` : String(firstLine + at - 1);
      throw new RecordInputError(`${source}:${lines}: invalid JSON: ${message}`);
    }
  };

  /**
   * Scans pending from scanAt. Returns the records of the complete elements once they fill a
   * batch, or of the rest when the array closes; otherwise undefined (more input needed).
   */
  const scanArray = (): unknown[] | undefined => {
    const buf = pending;
    const n = buf.length;
    let i = scanAt;
    while (i < n && !closed) {
      if (inString) {
        const quote = buf.indexOf(QUOTE, i);
        if (quote === -1) {
          i = n;
          break;
        }
        // A quote after an odd run of backslashes is escaped. The run lies at or after `i`:
        // a scan never stops inside one (see below).
        let backslashes = 0;
        for (let k = quote - 1; k >= i && buf[k] === BACKSLASH; k--) backslashes++;
        i = quote + 1;
        if (backslashes % 2 === 0) inString = false;
        continue;
      }
      const byte = buf[i]!;
      if (byte === QUOTE) inString = true;
      else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) depth++;
      else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) {
          closed = true;
          lastElementEnd = i;
          i++;
          break;
        }
        if (depth < 0) fail(linesBefore + countNewlines(buf, 0, i) + 1, `invalid JSON: unexpected "${String.fromCharCode(byte)}"`);
      } else if (byte === COMMA && depth === 1) {
        cut = i + 1;
        lastElementEnd = i;
      }
      i++;
    }
    // When the input so far ends inside a string with a run of backslashes, resume at the run's
    // start so it is counted whole once the rest arrives.
    if (inString && i === n) {
      let k = n - 1;
      while (k >= scanAt && buf[k] === BACKSLASH) k--;
      i = k + 1;
    }
    scanAt = i;
    if (closed) {
      const end = lastElementEnd;
      // `[a,` + `]`: a batch was cut after a comma and nothing but whitespace follows it.
      if (batches > 0 && pending.toString('utf8', 1, end).trim() === '') {
        fail(linesBefore + countNewlines(buf, 0, end) + 1, 'invalid JSON: a comma before the closing bracket of the array');
      }
      const records = parseElements(1, end);
      // Everything after the closing bracket must be whitespace.
      for (let k = scanAt; k < buf.length; k++) {
        if (!isWhitespace(buf[k]!)) {
          fail(linesBefore + countNewlines(buf, 0, k) + 1, 'unexpected data after the JSON array (NDJSON records are objects, one per line)');
        }
      }
      linesBefore += countNewlines(buf, 0, buf.length);
      pending = Buffer.alloc(0);
      scanAt = 0;
      cut = -1;
      return records;
    }
    if (cut > 1 && cut >= batchBytes) {
      const records = parseElements(1, cut - 1);
      linesBefore += countNewlines(buf, 0, cut);
      // Keep the array's opening bracket in front so offsets stay the same for the next batch.
      pending = Buffer.concat([Buffer.from('['), buf.subarray(cut)]);
      scanAt = scanAt - cut + 1;
      lastElementEnd = -1;
      cut = -1;
      batches++;
      return records;
    }
    return undefined;
  };

  /** NDJSON: parses the complete lines in pending (all of it when final). */
  const takeLines = (final: boolean): unknown[] | undefined => {
    const end = final ? pending.length : pending.lastIndexOf(NEWLINE) + 1;
    if (end <= 0 || (!final && end < batchBytes)) return undefined;
    const text = pending.toString('utf8', 0, end);
    const records: unknown[] = [];
    let line = linesBefore;
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
        fail(line, `invalid JSON: ${(error as Error).message}`);
      }
    }
    linesBefore = line;
    pending = pending.subarray(end);
    return records;
  };

  for await (const chunk of input) {
    let bytes = toBuffer(chunk);
    if (!started) {
      if (bytes.length === 0) continue;
      started = true;
      if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
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
      if (closed) {
        for (let k = 0; k < pending.length; k++) {
          if (!isWhitespace(pending[k]!)) fail(linesBefore + countNewlines(pending, 0, k) + 1, 'unexpected data after the JSON array (NDJSON records are objects, one per line)');
        }
        linesBefore += countNewlines(pending, 0, pending.length);
        pending = Buffer.alloc(0);
        continue;
      }
      for (let records = scanArray(); records !== undefined; records = closed ? undefined : scanArray()) {
        if (records.length > 0) yield records;
        if (closed) break;
      }
    } else {
      const records = takeLines(false);
      if (records !== undefined && records.length > 0) yield records;
    }
  }

  if (mode === 'array') {
    if (!closed) fail(linesBefore + countNewlines(pending, 0, pending.length) + 1, 'invalid JSON: the input ends before the JSON array is closed');
  } else if (mode === 'ndjson') {
    const records = takeLines(true);
    if (records !== undefined && records.length > 0) yield records;
  }
}
