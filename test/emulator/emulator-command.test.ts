import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { runEmulatorCommand } from '../../src/cli/emulator-command.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../..');

function capture() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return { io: { stdout, stderr }, out: () => out, err: () => err };
}

test.each([
  [['--port', 'abc'], '--port'],
  [['--port', '70000'], '--port'],
  [['--client-id', 'only-id'], '--client-secret'],
  [['--rate-limit-scale', '-1'], '--rate-limit-scale'],
  [['--bogus'], 'bogus'],
])('%j exits 2 naming %s, with usage', async (args, mention) => {
  const { io, err } = capture();
  expect(await runEmulatorCommand(args, io)).toBe(2);
  expect(err()).toContain(mention);
  expect(err()).toContain('usage: marina emulator');
});

test('--help prints usage and exits 0', async () => {
  const { io, out } = capture();
  expect(await runEmulatorCommand(['--help'], io)).toBe(0);
  expect(out()).toContain('--rate-limit-scale');
});

test('runs until SIGTERM, serves Port with the given credentials and data dir, exits 0', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'marina-emulator-cli-'));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(here, 'fixtures/run-emulator-command.ts'), '--port', '0', '--data', dataDir, '--client-id', 'cli', '--client-secret', 'cli-secret', '--rate-limit-scale', '0.5'],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  try {
    let out = '';
    const url = await new Promise<string>((resolveUrl, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /listening on (http:\/\/\S+)/.exec(out);
        if (match) resolveUrl(match[1] as string);
      });
      child.on('exit', (code) => reject(new Error(`exited early with ${String(code)}: ${out}`)));
    });
    const denied = await fetch(`${url}/v1/auth/access_token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ clientId: 'cli', clientSecret: 'nope' }) });
    expect(denied.status).toBe(401);
    const granted = await fetch(`${url}/v1/auth/access_token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ clientId: 'cli', clientSecret: 'cli-secret' }) });
    expect(granted.status).toBe(200);
    expect(granted.headers.get('x-ratelimit-limit')).toBe('50');
    const exit = new Promise<number | null>((resolveExit) => child.on('exit', (code) => resolveExit(code)));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(out).toContain('stopping');
    expect(readdirSync(dataDir)).toContain('journal-0.log');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});
