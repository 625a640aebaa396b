import { closeSync, fdatasyncSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { MarinaError } from '../errors.js';
import { applyOp, createState, fromSnapshot, toSnapshot, type EmulatorState, type Snapshot, type StoreOp } from './state.js';

/**
 * Crash-safe persistence: a snapshot plus an append-only journal of checksummed records.
 *
 * One request's changes are one journal line (`<crc32 hex> <json>\n`), written with a single
 * synchronous write before the change is applied in memory and acknowledged. A process killed at
 * any instant therefore leaves either the whole line or a torn tail; on start the tail that fails
 * its checksum is cut off, so a request is never half-applied. The OS keeps written pages across
 * a process kill; a timer fdatasyncs once a second to bound what a power loss could take.
 *
 * Files carry a generation: `snapshot-<g>.json` holds everything before `journal-<g>.log`.
 * Compaction writes `snapshot-<g+1>.json` (temp file, fsync, rename, fsync dir), starts
 * `journal-<g+1>.log` and only then removes generation g, so every crash point leaves a
 * complete, consistent generation to start from. Nothing rewrites the whole store per request.
 */
export interface Persistence {
  readonly state: EmulatorState;
  /** Journals `ops` (one record) and applies them to the state. Throws if the write fails, applying nothing. */
  commit(ops: StoreOp[]): void;
  /** Writes a snapshot and starts a new journal generation. */
  compact(): void;
  /** Journal bytes written since the last snapshot. */
  journalBytes(): number;
  close(): void;
}

export interface PersistenceOptions {
  /** Compact when the journal exceeds this many bytes and twice the last snapshot. Default 64 MiB. */
  compactAtBytes?: number;
  onWarning?: (message: string, details: Record<string, unknown>) => void;
}

const FILE_PATTERN = /^(snapshot|journal)-(\d+)\.(json|log)$/;

/** State only in memory: the same interface, no files. */
export function createMemoryPersistence(): Persistence {
  const state = createState();
  return {
    state,
    commit(ops) {
      for (const op of ops) applyOp(state, op);
    },
    compact() {},
    journalBytes: () => 0,
    close() {},
  };
}

function encodeRecord(ops: StoreOp[]): Buffer {
  const json = JSON.stringify(ops);
  const body = Buffer.from(json, 'utf8');
  const sum = crc32(body).toString(16).padStart(8, '0');
  return Buffer.concat([Buffer.from(`${sum} `, 'latin1'), body, Buffer.from('\n', 'latin1')]);
}

/**
 * Replays a journal into `state`. Returns the byte length of the intact prefix; anything after it
 * is a torn or corrupt tail from a crash and must be cut off.
 */
export function replayJournal(buffer: Buffer, state: EmulatorState): { validBytes: number; records: number } {
  let offset = 0;
  let records = 0;
  while (offset < buffer.length) {
    const newline = buffer.indexOf(0x0a, offset);
    if (newline === -1) break;
    const line = buffer.subarray(offset, newline);
    if (line.length < 10 || line[8] !== 0x20) break;
    const body = line.subarray(9);
    const expected = line.subarray(0, 8).toString('latin1');
    if (crc32(body).toString(16).padStart(8, '0') !== expected) break;
    let ops: StoreOp[];
    try {
      ops = JSON.parse(body.toString('utf8')) as StoreOp[];
    } catch {
      break;
    }
    for (const op of ops) applyOp(state, op);
    records++;
    offset = newline + 1;
  }
  return { validBytes: offset, records };
}

function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function writeFileDurably(path: string, data: string): void {
  const temp = `${path}.tmp`;
  const fd = openSync(temp, 'w');
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
}

function loadSnapshot(path: string): EmulatorState {
  let snapshot: Snapshot;
  try {
    snapshot = JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
  } catch (cause) {
    throw new MarinaError('EMULATOR_DATA_CORRUPT', `emulator snapshot ${path} cannot be read`, { cause, details: { file: path } });
  }
  if (snapshot.version !== 1 || !Array.isArray(snapshot.entities) || !Array.isArray(snapshot.blueprints)) {
    throw new MarinaError('EMULATOR_DATA_CORRUPT', `emulator snapshot ${path} has an unknown format`, { details: { file: path } });
  }
  return fromSnapshot(snapshot);
}

export function openPersistence(dir: string, options: PersistenceOptions = {}): Persistence {
  mkdirSync(dir, { recursive: true });
  const compactAtBytes = options.compactAtBytes ?? 64 * 1024 * 1024;
  const names = readdirSync(dir);
  for (const name of names) if (name.endsWith('.tmp')) rmSync(join(dir, name), { force: true });

  const snapshots = names
    .map((name) => FILE_PATTERN.exec(name))
    .filter((match): match is RegExpExecArray => match !== null && match[1] === 'snapshot')
    .map((match) => Number(match[2]))
    .sort((a, b) => b - a);
  let generation = snapshots[0] ?? 0;
  const state = snapshots.length > 0 ? loadSnapshot(join(dir, `snapshot-${generation}.json`)) : createState();
  let snapshotBytes = snapshots.length > 0 ? statSync(join(dir, `snapshot-${generation}.json`)).size : 0;

  const journalPath = (g: number) => join(dir, `journal-${g}.log`);
  let fd = openSync(journalPath(generation), 'a+');
  const existing = readFileSync(journalPath(generation));
  const { validBytes } = replayJournal(existing, state);
  if (validBytes < existing.length) {
    // A crash tore the last record: drop it, it was never acknowledged.
    ftruncateSync(fd, validBytes);
    fsyncSync(fd);
    options.onWarning?.('emulator journal had a torn tail; it was cut off', {
      file: journalPath(generation),
      droppedBytes: existing.length - validBytes,
    });
  }
  let bytes = validBytes;
  let dirty = false;
  let closed = false;

  // Older generations are leftovers of a compaction interrupted after its snapshot was renamed.
  for (const name of names) {
    const match = FILE_PATTERN.exec(name);
    if (match !== null && Number(match[2]) < generation) rmSync(join(dir, name), { force: true });
  }

  const syncTimer = setInterval(() => {
    if (!dirty || closed) return;
    dirty = false;
    fdatasyncSync(fd);
  }, 1000);
  syncTimer.unref();

  const persistence: Persistence = {
    get state() {
      return state;
    },
    commit(ops) {
      if (closed) throw new MarinaError('HOST_NOT_RUNNING', 'the emulator store is closed');
      if (ops.length === 0) return;
      const record = encodeRecord(ops);
      writeSync(fd, record);
      bytes += record.length;
      dirty = true;
      for (const op of ops) applyOp(state, op);
      if (bytes > compactAtBytes && bytes > 2 * snapshotBytes) persistence.compact();
    },
    compact() {
      const next = generation + 1;
      const data = JSON.stringify(toSnapshot(state));
      writeFileDurably(join(dir, `snapshot-${next}.json`), data);
      fsyncDirectory(dir);
      const nextFd = openSync(journalPath(next), 'a+');
      fsyncDirectory(dir);
      closeSync(fd);
      fd = nextFd;
      rmSync(journalPath(generation), { force: true });
      rmSync(join(dir, `snapshot-${generation}.json`), { force: true });
      generation = next;
      bytes = 0;
      snapshotBytes = Buffer.byteLength(data);
    },
    journalBytes: () => bytes,
    close() {
      if (closed) return;
      closed = true;
      clearInterval(syncTimer);
      fdatasyncSync(fd);
      closeSync(fd);
    },
  };
  return persistence;
}
