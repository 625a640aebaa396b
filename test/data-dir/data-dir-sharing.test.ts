import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOCK_FILE } from '../../src/data-dir-lock.js';
import { spawnMarina } from '../support/marina-process.js';

/**
 * Real `bin/marina` processes on one data directory: while a daemon runs, `sail`, a second
 * `start` and `emulator --data` on its directory are refused with exit 75, naming the directory
 * and the daemon's pid; a lock left by a killed process is taken over.
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let dir: string;
let dataDir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'marina-shared-dir-'));
  dataDir = path.join(dir, 'data');
  writeFileSync(
    path.join(dir, 'marina.yaml'),
    `server: { port: 0 }
dataDir: data
plugins: { watch: false, directories: [${JSON.stringify(path.join(repoRoot, 'plugins'))}] }
integrations:
  - identifier: fake
    type: fake
    eventListener: { type: WEBHOOKS_ONLY }
    config: { entityCount: { fake-department: 1, fake-person: 5, fake-office: 1, fake-team: 1, fake-project: 1 } }
`,
  );
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('one process per data directory', () => {
  test('while a daemon runs, sail, a second start and the emulator on its directory exit 75 naming the directory and the pid', async () => {
    const daemon = spawnMarina(['start', '--config', 'marina.yaml'], { cwd: dir });
    try {
      await daemon.waitForOutput('"msg":"marina running"', 60_000);
      const pid = daemon.child.pid!;
      expect(JSON.parse(readFileSync(path.join(dataDir, LOCK_FILE), 'utf8'))).toMatchObject({ pid, hostname: hostname(), command: 'marina start' });

      const sail = spawnMarina(['sail', '--config', 'marina.yaml', '--once'], { cwd: dir });
      expect({ code: await sail.exit(60_000), stdout: sail.stdout(), stderr: sail.stderr() }).toMatchObject({ code: 75 });
      expect(sail.stderr()).toContain(`The data directory ${dataDir} is in use by marina start (pid ${pid} on ${hostname()}, since `);
      expect(sail.stderr()).toContain('POST /api/integrations/<id>/resync');

      const second = spawnMarina(['start', '--config', 'marina.yaml'], { cwd: dir });
      expect({ code: await second.exit(60_000), stdout: second.stdout(), stderr: second.stderr() }).toMatchObject({ code: 75 });
      expect(second.stderr()).toContain(`is in use by marina start (pid ${pid} `);
      expect(second.logLines().some((line) => line.msg === 'HTTP server listening')).toBe(false);

      // The daemon's embedded Port lives in data/emulator: a standalone emulator there is refused too.
      const emulator = spawnMarina(['emulator', '--data', path.join(dataDir, 'emulator')], { cwd: dir });
      expect({ code: await emulator.exit(60_000), stdout: emulator.stdout(), stderr: emulator.stderr() }).toMatchObject({ code: 75 });
      expect(emulator.stderr()).toContain(`The data directory ${path.join(dataDir, 'emulator')} (inside ${dataDir}) is in use by marina start (pid ${pid} `);

      // The daemon is untouched.
      expect(daemon.child.exitCode).toBeNull();
    } finally {
      expect(await daemon.stop('SIGTERM')).toBe(0);
    }
    expect(existsSync(path.join(dataDir, LOCK_FILE))).toBe(false);

    const sail = spawnMarina(['sail', '--config', 'marina.yaml', '--once'], { cwd: dir });
    expect(await sail.exit(90_000)).toBe(0);
  }, 240_000);

  test('the lock of a killed daemon is taken over, with a warning naming the previous owner', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(dead.stdout);
    const staleOwner = { pid: deadPid, hostname: hostname(), processStartedAt: '2020-01-01T00:00:00.000Z', lockedAt: '2020-01-01T00:00:01.000Z', command: 'marina start' };
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(path.join(dataDir, 'emulator'), { recursive: true });
    writeFileSync(path.join(dataDir, LOCK_FILE), JSON.stringify(staleOwner));
    writeFileSync(path.join(dataDir, 'emulator', LOCK_FILE), JSON.stringify({ ...staleOwner, command: 'marina start (embedded Port)' }));

    const sail = spawnMarina(['sail', '--config', 'marina.yaml', '--once'], { cwd: dir });
    expect(await sail.exit(90_000)).toBe(0);
    const warning = sail.logLines().find((line) => line.msg === 'took over the stale lock of the data directory (its process is gone)');
    expect(warning).toMatchObject({ level: 40, lockFile: path.join(dataDir, LOCK_FILE), reason: `process ${deadPid} is not running`, previousOwner: { pid: deadPid, command: 'marina start' } });
    expect(sail.logLines().some((line) => line.msg === 'took over the stale lock of the emulator data directory')).toBe(true);
    expect(existsSync(path.join(dataDir, LOCK_FILE))).toBe(false);
  }, 120_000);
});
