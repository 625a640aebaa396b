import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The real `bin/marina` in child processes: `sail --once` exit codes for CI pipelines, and
 * `start` on the bundled default config filling the embedded Port with the fake organization.
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'marina-sail-'));
  dirs.push(dir);
  return dir;
}

const baseEnv = () => ({ PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', MARINA_FROM_SOURCE: '1' });

function marina(args: string[], cwd: string, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'marina'), ...args], { cwd, env: { ...baseEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('marina sail --once', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
    writeFileSync(
      path.join(dir, 'marina.yaml'),
      `plugins: { watch: false, directories: [${JSON.stringify(path.join(repoRoot, 'plugins'))}] }
integrations:
  - identifier: good
    type: fake
    config: { entityCount: { fake-person: 30 }, pageSize: 10 }
  - identifier: broken
    type: fake
    config: { entityCount: { fake-person: 30 }, pageSize: 10, failAtPage: 2, failKind: fake-person }
  - identifier: off
    type: fake
    enabled: false
`,
    );
  });

  test('exits 1 when one integration fails, naming it and its failing kind; the others still complete', async () => {
    const { code, stderr } = await marina(['sail', '--config', 'marina.yaml', '--once'], dir);
    expect(stderr).toMatch(/^good: completed records=95 upserted=\d+/m);
    expect(stderr).toMatch(/^broken: failed records=\d+/m);
    expect(stderr).toContain('fake-person: RESYNC_PLUGIN_FAILED');
    expect(stderr).toContain('sail: 1 of 2 integrations did not complete: broken (failed)');
    expect(stderr).not.toMatch(/^off:/m);
    expect(code).toBe(1);
  });

  test('exits 0 when every selected integration completes; plain progress lines when stderr is not a terminal', async () => {
    const { code, stderr } = await marina(['sail', '--config', 'marina.yaml', '--integration', 'good', '--once'], dir);
    expect(stderr).toMatch(/^good: completed records=95/m);
    expect(stderr).not.toContain('broken');
    expect(stderr).toContain('sail: 1 integration resynced');
    // No terminal: no cursor movement.
    expect(stderr).not.toContain('\u001b[');
    expect(code).toBe(0);
  });

  test('bad usage exits 2 before anything runs', async () => {
    const unknown = await marina(['sail', '--config', 'marina.yaml', '--integration', 'nope', '--once'], dir);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown integration "nope"');
    expect(unknown.stderr).toContain('configured: good, broken, off');
    const noOnce = await marina(['sail', '--config', 'marina.yaml'], dir);
    expect(noOnce.code).toBe(2);
    expect(noOnce.stderr).toContain('pass --once');
  });
});

test('npm start on the default config fills the embedded Port with the fake organization', async () => {
  const cwd = tempDir();
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'marina'), 'start'], { cwd, env: { ...baseEnv(), PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    let url: string | undefined;
    let status: any;
    for (let attempt = 0; attempt < 400; attempt++) {
      url ??= /"url":"(http:\/\/127\.0\.0\.1:\d+)","msg":"HTTP server listening"/.exec(output)?.[1];
      if (url !== undefined) {
        status = await fetch(`${url}/api/integrations/fake`).then((response) => response.json()).catch(() => undefined);
        if (status?.resync?.lastRun?.endedAt) break;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status?.resync?.lastRun).toMatchObject({ status: 'completed', trigger: { source: 'start' } });
    // The default organization: 5 departments, 200 persons, 8 offices, 12 teams, 40 projects.
    expect(status.resync.lastRun.progress.totals).toMatchObject({ records: 265, upserted: 265, failed: 0 });
    expect(status.resync).toMatchObject({ listener: 'POLLING', intervalMinutes: 60 });
  } finally {
    child.kill('SIGTERM');
  }
  expect(await exited).toBe(0);
});
