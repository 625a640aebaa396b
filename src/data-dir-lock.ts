import { closeSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, utimesSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { MarinaError } from './errors.js';

/**
 * One process per data directory. Two processes writing the same journals (the embedded Port's,
 * the live events') each keep their own view in memory and the files stop matching either, so
 * `marina start`, `marina sail` and `marina emulator --data` take this lock before they touch
 * their directory.
 *
 * The lock is the file `<dir>/marina.lock`, created atomically (O_EXCL) and holding who owns it:
 * pid, host, the process's start time, when the lock was taken, and the command (a fixed label
 * such as `marina start`, never the command line, which may carry secrets). A lock whose process
 * is gone (a crash, `kill -9`) is stale: the next process takes it over and reports it. A lock
 * in a parent directory counts too, so `marina emulator --data .marina/emulator` cannot slip in
 * under a daemon that holds `.marina`.
 *
 * Pids only mean something on the machine that wrote them. The owner therefore touches the file
 * every few seconds; a lock written on another host (a volume shared by containers, a pod
 * rescheduled to another node after a crash) is stale once nobody has touched it for a minute.
 */
export const LOCK_FILE = 'marina.lock';

export interface LockOwner {
  pid: number;
  hostname: string;
  /** When the owning process started (ISO); with `pid`, tells a reused pid from the same process. */
  processStartedAt: string;
  /** When the lock was taken (ISO). */
  lockedAt: string;
  /** What holds it, such as `marina start`. */
  command: string;
}

export interface DataDirLock {
  readonly dir: string;
  readonly file: string;
  /** Removes the lock file if it is still this process's; idempotent. */
  release(): void;
}

export interface DataDirLockOptions {
  /** What takes the lock, for the error another process gets: `marina start`, `marina sail`... */
  command: string;
  /** Told when a stale lock of a dead process is taken over. */
  onStaleLock?: (stale: StaleLock) => void;
  /** This process, as the lock records it. @default the current process */
  self?: { pid: number; hostname: string; processStartedAt: string };
  /** Whether a process runs; EPERM means it does (another user's). @default `process.kill(pid, 0)` */
  isRunning?: (pid: number) => boolean;
}

export interface StaleLock {
  file: string;
  /** The dead owner, when the file was readable. */
  owner?: LockOwner;
  reason: string;
}

/** A lock file without a complete owner is being written; older than this, its writer died. */
const HALF_WRITTEN_GRACE_MS = 5_000;
/** The owner refreshes the file's mtime this often... */
const REFRESH_MS = 10_000;
/** ...so a lock from another host untouched for this long has lost its owner. */
const FOREIGN_STALE_MS = 60_000;
const MAX_ATTEMPTS = 50;
const RETRY_MS = 20;

function currentProcess(): { pid: number; hostname: string; processStartedAt: string } {
  return { pid: process.pid, hostname: hostname(), processStartedAt: new Date(Math.round(performance.timeOrigin)).toISOString() };
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(file: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockOwner>;
    return typeof owner.pid === 'number' && typeof owner.command === 'string' ? (owner as LockOwner) : undefined;
  } catch {
    return undefined;
  }
}

function ageMs(file: string): number | undefined {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

type Verdict = { state: 'live'; owner: LockOwner; ours: boolean } | { state: 'stale'; stale: StaleLock } | { state: 'writing' } | { state: 'gone' };

/**
 * Judges a lock file: its owner runs (live), is gone (stale), or it is still being written.
 * `ours` is a lock of this very process (another component of it, or a second daemon in it).
 */
function judge(file: string, self: NonNullable<DataDirLockOptions['self']>, isRunning: (pid: number) => boolean): Verdict {
  const owner = readOwner(file);
  if (owner === undefined) {
    const age = ageMs(file);
    if (age === undefined) return { state: 'gone' };
    if (age < HALF_WRITTEN_GRACE_MS) return { state: 'writing' };
    return { state: 'stale', stale: { file, reason: 'the lock file has no readable owner' } };
  }
  if (owner.hostname !== self.hostname) {
    // Another machine (or container) sharing the directory: its pids mean nothing here.
    const age = ageMs(file);
    if (age === undefined) return { state: 'gone' };
    if (age < FOREIGN_STALE_MS) return { state: 'live', owner, ours: false };
    return { state: 'stale', stale: { file, owner, reason: `its owner on ${owner.hostname} has not refreshed it for ${Math.round(age / 1000)} s` } };
  }
  if (owner.pid === self.pid) {
    // In a container the daemon is pid 1 at every start: same pid, earlier process.
    if (owner.processStartedAt === self.processStartedAt) return { state: 'live', owner, ours: true };
    return { state: 'stale', stale: { file, owner, reason: `pid ${owner.pid} is now this process, started after the lock was taken` } };
  }
  if (isRunning(owner.pid)) return { state: 'live', owner, ours: false };
  return { state: 'stale', stale: { file, owner, reason: `process ${owner.pid} is not running` } };
}

function lockedError(dir: string, lockDir: string, owner: LockOwner, ours: boolean): MarinaError {
  const where = lockDir === dir ? dir : `${dir} (inside ${lockDir})`;
  const since = `since ${owner.lockedAt}`;
  const holder = ours ? `this process (${owner.command}, ${since})` : `${owner.command} (pid ${owner.pid}${owner.hostname ? ` on ${owner.hostname}` : ''}, ${since})`;
  return new MarinaError(
    'DATA_DIR_LOCKED',
    `The data directory ${where} is in use by ${holder}. Two processes must not share one data directory: ` +
      `stop the other process, give this one another data directory (dataDir in the config, --data for the emulator), ` +
      `or, to resync an integration of a running daemon, ask it: POST /api/integrations/<id>/resync on its HTTP server. ` +
      `If no such process runs, delete ${path.join(lockDir, LOCK_FILE)}.`,
    { details: { dataDir: dir, lockFile: path.join(lockDir, LOCK_FILE), pid: owner.pid, hostname: owner.hostname, command: owner.command, lockedAt: owner.lockedAt } },
  );
}

/** Throws `DATA_DIR_LOCKED` when a parent directory is locked by another live process. */
function checkParents(dir: string, self: NonNullable<DataDirLockOptions['self']>, isRunning: (pid: number) => boolean): void {
  for (let parent = path.dirname(dir); parent !== path.dirname(parent); parent = path.dirname(parent)) {
    const verdict = judge(path.join(parent, LOCK_FILE), self, isRunning);
    if (verdict.state === 'live' && !verdict.ours) throw lockedError(dir, parent, verdict.owner, false);
  }
}

/**
 * Takes the lock on `dir` (created if missing), or throws a `MarinaError` `DATA_DIR_LOCKED`
 * naming the directory and the process that holds it.
 */
export async function lockDataDir(dir: string, options: DataDirLockOptions): Promise<DataDirLock> {
  const absolute = path.resolve(dir);
  const file = path.join(absolute, LOCK_FILE);
  const self = options.self ?? currentProcess();
  const isRunning = options.isRunning ?? processRuns;
  try {
    mkdirSync(absolute, { recursive: true });
  } catch (error) {
    throw new MarinaError('DATA_DIR_UNAVAILABLE', `Cannot create the data directory ${absolute}: ${(error as Error).message}`, { cause: error, details: { dataDir: absolute } });
  }
  checkParents(absolute, self, isRunning);
  const owner: LockOwner = { ...self, lockedAt: new Date().toISOString(), command: options.command };

  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    if (createExclusive(file, owner)) return createHandle(absolute, file, owner);
    const verdict = judge(file, self, isRunning);
    if (verdict.state === 'live') throw lockedError(absolute, absolute, verdict.owner, verdict.ours);
    if (verdict.state === 'stale' && takeOver(file, verdict.stale, self, isRunning)) options.onStaleLock?.(verdict.stale);
    // 'writing', 'gone', or another process took the stale lock over first: look again.
    if (verdict.state === 'writing' || verdict.state === 'gone' || verdict.state === 'stale') await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
  const last = readOwner(file);
  if (last) throw lockedError(absolute, absolute, last, false);
  throw new MarinaError('DATA_DIR_LOCKED', `Could not lock the data directory ${absolute}: ${file} keeps changing (other processes are starting on it)`, { details: { dataDir: absolute, lockFile: file } });
}

/** Creates the lock file only if none exists (O_EXCL); false when one does. */
function createExclusive(file: string, owner: LockOwner): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new MarinaError('DATA_DIR_UNAVAILABLE', `Cannot create the lock file ${file}: ${(error as Error).message}`, { cause: error, details: { lockFile: file } });
  }
  try {
    writeSync(fd, `${JSON.stringify(owner)}\n`);
  } catch (error) {
    closeSync(fd);
    unlinkSync(file);
    throw new MarinaError('DATA_DIR_UNAVAILABLE', `Cannot write the lock file ${file}: ${(error as Error).message}`, { cause: error, details: { lockFile: file } });
  }
  closeSync(fd);
  return true;
}

/**
 * Removes a stale lock so the caller can create its own. Processes that find the same stale lock
 * at once must not remove each other's fresh locks, so removal happens under a second,
 * short-lived lock file (`marina.lock.takeover`, also O_EXCL), after judging the lock again.
 * Returns whether this process removed it.
 */
function takeOver(file: string, stale: StaleLock, self: NonNullable<DataDirLockOptions['self']>, isRunning: (pid: number) => boolean): boolean {
  const guard = `${file}.takeover`;
  const guardOwner: LockOwner = { ...self, lockedAt: new Date().toISOString(), command: 'stale lock takeover' };
  if (!createExclusive(guard, guardOwner)) {
    // Another process is taking over; its guard is stale only if it died right in the middle.
    const verdict = judge(guard, self, isRunning);
    if (verdict.state === 'stale') removeQuietly(guard);
    return false;
  }
  try {
    const again = judge(file, self, isRunning);
    if (again.state !== 'stale' || again.stale.owner?.lockedAt !== stale.owner?.lockedAt || again.stale.owner?.pid !== stale.owner?.pid) return false;
    removeQuietly(file);
    return true;
  } finally {
    removeQuietly(guard);
  }
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

function createHandle(dir: string, file: string, owner: LockOwner): DataDirLock {
  let released = false;
  const refresh = setInterval(() => {
    try {
      const now = new Date();
      utimesSync(file, now, now);
    } catch {
      // Gone or unwritable: the next refresh tries again; release() sorts out the rest.
    }
  }, REFRESH_MS);
  refresh.unref();
  return {
    dir,
    file,
    release() {
      if (released) return;
      released = true;
      clearInterval(refresh);
      const current = readOwner(file);
      // Only our own lock: after a takeover by someone else (we were judged dead), it is theirs.
      if (current && current.pid === owner.pid && current.lockedAt === owner.lockedAt && current.processStartedAt === owner.processStartedAt) removeQuietly(file);
    },
  };
}
