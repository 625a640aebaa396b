import { open, readFile, rename, mkdir, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { crc32 } from 'node:zlib';

/**
 * An append-only file of JSON records, one a line, each behind a CRC-32 of its text:
 * `<8 hex digits> <json>\n`. Appends are written and fsynced in groups: while one write is on
 * the disk, the records that arrive queue up and go out together in the next one, so a busy
 * webhook endpoint pays one fsync per batch instead of one per event (group commit).
 */
export interface EventJournal {
  /** Resolves once the record is on disk (fsynced). */
  append(record: object): Promise<void>;
  /** Queues the record for the next write (at most 50 ms away) without waiting for it; for records whose loss only repeats work. */
  appendLater(record: object): void;
  /** Bytes in the file, including what is queued. */
  readonly size: number;
  /**
   * Replaces the file with `records`, written to a temporary file, fsynced, then renamed over
   * the journal, so a crash during compaction leaves either the old or the new file whole.
   */
  rewrite(records: readonly object[]): Promise<void>;
  close(): Promise<void>;
}

export interface JournalReadResult {
  records: Record<string, unknown>[];
  /** Lines whose checksum or JSON was wrong, with their 1-based line number. */
  corrupt: { line: number; reason: string }[];
  /** A last line cut short by a crash (never acknowledged, so nothing is lost). */
  tornTail: boolean;
}

/** Longest wait of a record written with `appendLater` when no durable append comes by. */
const LAZY_WRITE_MS = 50;

function encode(record: object): string {
  const json = JSON.stringify(record);
  return `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`;
}

/**
 * Reads a journal back. A bad line in the middle is reported and skipped, so one damaged
 * record never costs the ones after it.
 */
export async function readJournal(file: string): Promise<JournalReadResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], corrupt: [], tornTail: false };
    throw error;
  }
  const lines = text.split('\n');
  const tornTail = lines.at(-1) !== '';
  if (!tornTail) lines.pop();
  const records: Record<string, unknown>[] = [];
  const corrupt: { line: number; reason: string }[] = [];
  lines.forEach((line, index) => {
    const last = index === lines.length - 1;
    if (last && tornTail) return;
    const space = line.indexOf(' ');
    const json = line.slice(space + 1);
    if (space !== 8 || line.slice(0, 8) !== crc32(json).toString(16).padStart(8, '0')) {
      corrupt.push({ line: index + 1, reason: 'checksum mismatch' });
      return;
    }
    try {
      const value = JSON.parse(json) as unknown;
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) records.push(value as Record<string, unknown>);
      else corrupt.push({ line: index + 1, reason: 'not a JSON object' });
    } catch (error) {
      corrupt.push({ line: index + 1, reason: (error as Error).message });
    }
  });
  return { records, corrupt, tornTail };
}

/** Opens (creating if needed) the journal at `file` for appending. */
export async function openJournal(file: string): Promise<EventJournal> {
  await mkdir(path.dirname(file), { recursive: true });
  let handle: FileHandle = await open(file, 'a');
  let size = (await handle.stat()).size;
  /** Bytes known to be whole on disk: a failed write is cut back to this, so no torn line is followed by good ones. */
  let onDisk = size;
  let queued: string[] = [];
  let waiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  let compaction: { text: string; resolve: () => void; reject: (error: unknown) => void } | undefined;
  let flushing: Promise<void> | undefined;
  let lazyTimer: NodeJS.Timeout | undefined;
  let closed = false;

  const replaceFile = async (text: string): Promise<void> => {
    const temporary = `${file}.compact`;
    const out = await open(temporary, 'w');
    try {
      await out.write(text);
      await out.datasync();
    } finally {
      await out.close();
    }
    await handle.close();
    await rename(temporary, file);
    // The rename itself must reach the disk, or a crash could bring the old file back.
    const directory = await open(path.dirname(file), 'r');
    try {
      await directory.sync();
    } finally {
      await directory.close();
    }
    handle = await open(file, 'a');
  };

  // One loop does every disk operation, so a compaction never races a write.
  const flushLoop = async (): Promise<void> => {
    while (queued.length > 0 || compaction !== undefined) {
      if (compaction !== undefined) {
        const job = compaction;
        compaction = undefined;
        try {
          await replaceFile(job.text);
          onDisk = Buffer.byteLength(job.text);
          size = onDisk + queued.reduce((sum, line) => sum + Buffer.byteLength(line), 0);
          job.resolve();
        } catch (error) {
          job.reject(error);
        }
        continue;
      }
      const text = queued.join('');
      const batch = waiters;
      queued = [];
      waiters = [];
      try {
        await handle.write(text);
        // Records nobody waits for (appendLater) reach the disk with the next durable append.
        if (batch.length > 0) await handle.datasync();
        onDisk += Buffer.byteLength(text);
        for (const waiter of batch) waiter.resolve();
      } catch (error) {
        // A disk that filled up mid-write leaves part of a line; the next record appended after
        // it would be unreadable. Cut the file back to its last whole line.
        await handle.truncate(onDisk).catch(() => undefined);
        size = onDisk + queued.reduce((sum, line) => sum + Buffer.byteLength(line), 0);
        for (const waiter of batch) waiter.reject(error);
      }
    }
  };

  const schedule = (): void => {
    if (flushing !== undefined) return;
    // Starting on the next turn lets the rest of a burst of requests join the first write.
    flushing = new Promise<void>((resolve) => setImmediate(resolve)).then(flushLoop).finally(() => {
      flushing = undefined;
      if (queued.length > 0 || compaction !== undefined) schedule();
    });
  };

  const enqueue = (record: object): void => {
    if (closed) throw new Error(`The event journal ${file} is closed`);
    const line = encode(record);
    queued.push(line);
    size += Buffer.byteLength(line);
  };

  return {
    get size() {
      return size;
    },
    append(record) {
      return new Promise<void>((resolve, reject) => {
        enqueue(record);
        waiters.push({ resolve, reject });
        schedule();
      });
    },
    appendLater(record) {
      enqueue(record);
      // Such records ride along with the next durable append; the timer only bounds how long
      // they wait when no append comes.
      lazyTimer ??= setTimeout(() => {
        lazyTimer = undefined;
        schedule();
      }, LAZY_WRITE_MS).unref();
    },
    rewrite(records) {
      if (closed) return Promise.reject(new Error(`The event journal ${file} is closed`));
      // Records still queued were taken into account by the caller's snapshot; writing them
      // again after it is harmless because reading a journal back is idempotent.
      compaction?.reject(new Error('superseded by a newer compaction'));
      return new Promise<void>((resolve, reject) => {
        compaction = { text: records.map(encode).join(''), resolve, reject };
        schedule();
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(lazyTimer);
      lazyTimer = undefined;
      if (queued.length > 0) schedule();
      while (flushing !== undefined) await flushing;
      await handle.close();
    },
  };
}
