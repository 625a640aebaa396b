import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOCK_FILE, lockDataDir, type StaleLock } from '../../src/data-dir-lock.js';
import { eventually } from '../support/eventually.js';

const here = path.dirname(fileURLToPath(import.meta.url));
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'marina-lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A pid that certainly ran and is certainly gone: a child that has exited and been reaped. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

function writeLock(target: string, owner: Record<string, unknown>): void {
  mkdirSync(target, { recursive: true });
  writeFileSync(path.join(target, LOCK_FILE), JSON.stringify(owner));
}

const owner = (fields: Record<string, unknown>) => ({ hostname: hostname(), processStartedAt: '2020-01-01T00:00:00.000Z', lockedAt: '2020-01-01T00:00:01.000Z', command: 'marina start', ...fields });

describe('the data directory lock', () => {
  it('records its owner, refuses a second holder naming the directory, and is free again once released', async () => {
    const data = path.join(dir, 'data');
    const lock = await lockDataDir(data, { command: 'marina start' });
    const recorded = JSON.parse(readFileSync(path.join(data, LOCK_FILE), 'utf8'));
    expect(recorded).toEqual({ pid: process.pid, hostname: hostname(), processStartedAt: expect.any(String), lockedAt: expect.any(String), command: 'marina start' });

    const second = lockDataDir(data, { command: 'marina sail' });
    await expect(second).rejects.toMatchObject({ code: 'DATA_DIR_LOCKED', details: { dataDir: data, pid: process.pid, command: 'marina start' } });
    await expect(second).rejects.toThrow(`The data directory ${data} is in use by this process (marina start, since ${recorded.lockedAt})`);

    lock.release();
    lock.release(); // idempotent
    expect(existsSync(path.join(data, LOCK_FILE))).toBe(false);
    const again = await lockDataDir(data, { command: 'marina sail' });
    again.release();
  });

  it('refuses a lock of another running process with its pid and what to do', async () => {
    // This test process is the other process: a lock recorded under its pid, with another start time.
    writeLock(dir, owner({ pid: process.ppid }));
    const attempt = lockDataDir(dir, { command: 'marina sail' });
    await expect(attempt).rejects.toMatchObject({ code: 'DATA_DIR_LOCKED', details: { pid: process.ppid, lockFile: path.join(dir, LOCK_FILE) } });
    await expect(attempt).rejects.toThrow(/in use by marina start \(pid \d+ on .*\)\. Two processes must not share one data directory: stop the other process, give this one another data directory .* POST \/api\/integrations\/<id>\/resync/);
  });

  it('takes over the stale lock of a process that is gone, and says so', async () => {
    const pid = deadPid();
    writeLock(dir, owner({ pid }));
    const stale: StaleLock[] = [];
    const lock = await lockDataDir(dir, { command: 'marina sail', onStaleLock: (found) => stale.push(found) });
    expect(stale).toEqual([{ file: path.join(dir, LOCK_FILE), owner: expect.objectContaining({ pid }), reason: `process ${pid} is not running` }]);
    expect(JSON.parse(readFileSync(path.join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid, command: 'marina sail' });
    lock.release();
  });

  it("takes over a lock of an earlier process that had this process's pid (a restarted container's pid 1)", async () => {
    writeLock(dir, owner({ pid: process.pid, processStartedAt: '2020-01-01T00:00:00.000Z' }));
    const stale: StaleLock[] = [];
    const lock = await lockDataDir(dir, { command: 'marina start', onStaleLock: (found) => stale.push(found) });
    expect(stale[0]?.reason).toBe(`pid ${process.pid} is now this process, started after the lock was taken`);
    lock.release();
  });

  it('judges a lock from another host by its age: refreshed recently it holds, untouched for minutes it is stale', async () => {
    writeLock(dir, owner({ pid: 1, hostname: 'another-node' }));
    await expect(lockDataDir(dir, { command: 'marina start' })).rejects.toMatchObject({ code: 'DATA_DIR_LOCKED', message: expect.stringContaining('pid 1 on another-node') });
    const past = new Date(Date.now() - 5 * 60_000);
    utimesSync(path.join(dir, LOCK_FILE), past, past);
    const stale: StaleLock[] = [];
    const lock = await lockDataDir(dir, { command: 'marina start', onStaleLock: (found) => stale.push(found) });
    expect(stale[0]?.reason).toMatch(/^its owner on another-node has not refreshed it for \d+ s$/);
    lock.release();
  });

  it('takes over a lock file its writer never finished, once it is old', async () => {
    writeFileSync(path.join(dir, LOCK_FILE), '');
    const past = new Date(Date.now() - 60_000);
    utimesSync(path.join(dir, LOCK_FILE), past, past);
    const stale: StaleLock[] = [];
    const lock = await lockDataDir(dir, { command: 'marina start', onStaleLock: (found) => stale.push(found) });
    expect(stale[0]?.reason).toBe('the lock file has no readable owner');
    lock.release();
  });

  it('counts a lock of a parent directory held by another process, but not its own', async () => {
    writeLock(dir, owner({ pid: process.ppid }));
    const inside = path.join(dir, 'emulator');
    await expect(lockDataDir(inside, { command: 'marina emulator' })).rejects.toMatchObject({
      code: 'DATA_DIR_LOCKED',
      message: expect.stringContaining(`The data directory ${inside} (inside ${dir}) is in use by marina start`),
    });
    rmSync(path.join(dir, LOCK_FILE));
    const parent = await lockDataDir(dir, { command: 'marina start' });
    const child = await lockDataDir(inside, { command: 'marina start (embedded Port)' });
    child.release();
    parent.release();
  });

  it('lets exactly one of several processes racing for a stale lock have it', async () => {
    writeLock(dir, owner({ pid: deadPid() }));
    const contenders = Array.from({ length: 5 }, () => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'fixtures', 'lock-contender.ts'), dir], { stdio: ['pipe', 'pipe', 'inherit'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      return { child, output: () => output, exited: new Promise((resolve) => child.on('exit', resolve)) };
    });
    try {
      await eventually(() => contenders.every((contender) => contender.output().includes('READY')), 'every contender to be ready', 60_000);
      for (const contender of contenders) contender.child.stdin.write('go\n');
      await eventually(() => contenders.every((contender) => /LOCKED|REFUSED/.test(contender.output())), 'every contender to decide', 30_000);
      const outputs = contenders.map((contender) => contender.output());
      expect(outputs.filter((output) => /^LOCKED$/m.test(output)).length).toBe(1);
      expect(outputs.filter((output) => output.includes('REFUSED DATA_DIR_LOCKED')).length).toBe(4);
    } finally {
      for (const contender of contenders) contender.child.stdin.end();
      await Promise.all(contenders.map((contender) => contender.exited));
    }
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false);
  }, 90_000);
});
