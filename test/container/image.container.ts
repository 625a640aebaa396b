/**
 * The container image, for real: builds the top-level Dockerfile with podman and runs it the way
 * an operator does (read-only root filesystem, a published port, a config directory, a /plugins
 * directory and a /data volume). Run with `npm run test:container` (.ci/run does, after the
 * unit suite); it needs podman and the node:20-bookworm-slim base image (pulled if missing).
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { eventually } from '../support/eventually.js';
import { caBuildMounts, npmCafile, podman, requirePodman } from './podman.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const fixtures = path.join(repoRoot, 'test', 'container', 'fixtures');
const IMAGE = 'localhost/marina:container-test';
const BASE_IMAGE = 'node:20-bookworm-slim';
const run = `marina-ct-${process.pid}`;
const MAIN = `${run}-main`;
const OCEAN = `${run}-ocean`;
const VOLUME = `${run}-data`;
const ADMIN_TOKEN = 'container-test-admin-token';

const work = mkdtempSync(path.join(tmpdir(), 'marina-container-'));
const configDir = path.join(work, 'etc-marina');
const pluginsDir = path.join(work, 'plugins');

function hostConfig(extra: boolean): string {
  const integrations = [
    '  - identifier: fake',
    '    type: fake',
    '    config: { entityCount: { fake-department: 2, fake-person: 20, fake-office: 2, fake-team: 2, fake-project: 2 } }',
    '  - identifier: hello',
    '    type: hello',
    '    eventListener: { type: WEBHOOKS_ONLY }',
  ];
  if (extra) integrations.push('  - identifier: extra', '    type: extra', '    eventListener: { type: WEBHOOKS_ONLY }');
  return [
    'server: { host: 0.0.0.0, port: 8000 }',
    'plugins: { directories: [/plugins, /app/plugins], watch: true, debounceMs: 200 }',
    'dataDir: /data',
    'shutdown: { timeoutSeconds: 10 }',
    'integrations:',
    ...integrations,
    '',
  ].join('\n');
}

/** `127.0.0.1:PORT` of a container's published port 8000. */
async function publishedUrl(container: string): Promise<string> {
  const { stdout } = await podman(['port', container, '8000/tcp']);
  const address = stdout.trim().split('\n')[0] ?? '';
  const port = address.split(':').pop();
  if (!port) throw new Error(`no published port for ${container}: ${stdout}`);
  return `http://127.0.0.1:${port}`;
}

async function getJson(url: string): Promise<any> {
  const response = await fetch(url);
  return { status: response.status, body: await response.json().catch(() => null) };
}

async function logsOf(container: string): Promise<string> {
  const { stdout, stderr } = await podman(['logs', container], { allowFailure: true });
  return `${stdout}${stderr}`;
}

async function inspect(container: string, format: string): Promise<string> {
  return (await podman(['inspect', container, '--format', format])).stdout.trim();
}

let mainUrl = '';

beforeAll(async () => {
  await requirePodman();
  const mounts = caBuildMounts(work, await npmCafile());
  // --pull=missing: a local base image (offline machines) is used as is, else it is pulled.
  await podman(['build', '--pull=missing', '--format', 'docker', '--network', 'host', ...mounts, '-t', IMAGE, repoRoot], { timeoutMs: 15 * 60_000 });

  cpSync(path.join(fixtures, 'hello-v1'), path.join(pluginsDir, 'hello'), { recursive: true });
  mkdirSync(configDir);
  writeFileSync(path.join(configDir, 'marina.yaml'), hostConfig(false));
  await podman(['volume', 'create', VOLUME]);
  await podman([
    // --read-only-tmpfs=false: not even /tmp is writable (podman mounts a tmpfs there by default).
    'run', '-d', '--name', MAIN, '--read-only', '--read-only-tmpfs=false',
    '-p', '127.0.0.1::8000',
    '-v', `${configDir}:/etc/marina:ro`,
    '-v', `${pluginsDir}:/plugins:ro`,
    '-v', `${VOLUME}:/data`,
    '-e', `MARINA_ADMIN_TOKEN=${ADMIN_TOKEN}`,
    IMAGE,
  ]);
  mainUrl = await publishedUrl(MAIN);
  await eventually(async () => (await getJson(`${mainUrl}/health/ready`).catch(() => ({ status: 0 }))).status === 200, 'the container to be ready', 120_000, 250).catch(async (error: Error) => {
    throw new Error(`${error.message}\n--- container logs ---\n${await logsOf(MAIN)}`);
  });
}, 20 * 60_000);

afterAll(async () => {
  for (const container of [MAIN, OCEAN]) await podman(['rm', '-f', '-v', '-t', '0', container], { allowFailure: true });
  await podman(['volume', 'rm', '-f', VOLUME], { allowFailure: true });
  rmSync(work, { recursive: true, force: true });
}, 120_000);

describe('the container image', () => {
  it('holds the production dependencies, dist/ and the bundled plugins, and nothing else', async () => {
    const listing = await podman([
      'run', '--rm', '--entrypoint', 'node', IMAGE, '-e',
      `const fs = require('node:fs'), path = require('node:path');
       const walk = (dir) => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]);
       const modules = fs.readdirSync('/app/node_modules').flatMap((name) => name.startsWith('@') ? fs.readdirSync('/app/node_modules/' + name).map((sub) => name + '/' + sub) : [name]);
       console.log(JSON.stringify({ app: fs.readdirSync('/app').sort(), modules, src: walk('/app/src'), plugins: walk('/app/plugins'), dist: walk('/app/dist').length }));`,
    ]);
    const found = JSON.parse(listing.stdout) as { app: string[]; modules: string[]; src: string[]; plugins: string[]; dist: number };
    const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    // Packages only dev dependencies need (npm marks them `dev` in the lock file): typescript, jest, eslint, ...
    const lock = JSON.parse(readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    const devOnly = Object.entries(lock.packages)
      .filter(([key, entry]) => entry.dev === true && /^node_modules\/(@[^/]+\/)?[^/]+$/.test(key))
      .map(([key]) => key.slice('node_modules/'.length));
    expect(devOnly).toEqual(expect.arrayContaining(['typescript', 'jest', 'eslint']));

    expect(found.app).toEqual(['bin', 'config', 'dist', 'node_modules', 'package.json', 'plugins', 'src']);
    for (const dependency of Object.keys(manifest.dependencies)) expect(found.modules).toContain(dependency);
    expect(found.modules.filter((name) => devOnly.includes(name))).toEqual([]);
    // The only file under src/ re-exports the compiled SDK for the bundled plugins' imports.
    expect(found.src).toEqual(['/app/src/sdk/index.js']);
    expect(found.plugins).toContain('/app/plugins/fake/index.ts');
    expect(found.plugins.filter((file) => file.endsWith('.test.ts') || file.includes('/bench/') || file.endsWith('-test-support.ts'))).toEqual([]);
    expect(found.dist).toBeGreaterThan(50);

    const size = Number(await podman(['image', 'inspect', IMAGE, '--format', '{{.Size}}']).then((r) => r.stdout.trim()));
    const base = Number(await podman(['image', 'inspect', BASE_IMAGE, '--format', '{{.Size}}']).then((r) => r.stdout.trim()));
    process.stdout.write(`marina image: ${(size / 1e6).toFixed(0)} MB (base ${(base / 1e6).toFixed(0)} MB, Marina's layers ${((size - base) / 1e6).toFixed(0)} MB)\n`);
    // Production dependencies are about 45 MB; dev dependencies would add hundreds.
    expect(size - base).toBeLessThan(100e6);
  });

  it('reports healthy through its HEALTHCHECK', async () => {
    const check = await podman(['healthcheck', 'run', MAIN], { allowFailure: true });
    expect(check.code).toBe(0);
    expect(await inspect(MAIN, '{{.State.Health.Status}}')).toBe('healthy');
    expect(await inspect(MAIN, '{{.Config.Healthcheck.Test}}')).toContain('/health/live');
  });

  it('runs Marina as a non-root user, as PID 1 (so SIGTERM reaches it)', async () => {
    const status = (await podman(['exec', MAIN, 'cat', '/proc/1/status'])).stdout;
    const uid = /^Uid:\s+(\d+)\s+(\d+)/m.exec(status);
    expect(uid?.[1]).toBe('1000');
    expect(uid?.[2]).toBe('1000');
    expect((await podman(['exec', MAIN, 'cat', '/proc/1/cmdline'])).stdout.split('\0')).toEqual(['node', '/app/bin/marina', 'start', '']);
  });

  it('runs with a read-only root filesystem (no writable /tmp either), writing only to /data', async () => {
    expect(await inspect(MAIN, '{{.HostConfig.ReadonlyRootfs}}')).toBe('true');
    for (const file of ['/app/written', '/tmp/written']) {
      const write = await podman(['exec', MAIN, 'sh', '-c', `echo x > ${file}`], { allowFailure: true });
      expect(write.code).not.toBe(0);
      expect(write.stderr).toMatch(/Read-only file system/);
    }
    await podman(['exec', MAIN, 'sh', '-c', 'echo x > /data/written && rm /data/written']);
  });

  it('answers a webhook through the published port and handles the event', async () => {
    await eventually(async () => (await getJson(`${mainUrl}/api/integrations/fake`)).body?.status === 'running', 'the fake integration to run', 60_000, 200);
    const response = await fetch(`${mainUrl}/integrations/fake/webhook/fake`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'fake-person', id: 'emp-0000003', action: 'upsert' }),
    });
    expect(response.status).toBe(202);
    expect((await response.json()) as { eventId?: string }).toEqual({ eventId: expect.any(String) });
    await eventually(async () => (await getJson(`${mainUrl}/api/integrations/fake/live`)).body?.handled >= 1, 'the live event to be handled', 60_000, 200);
    // Persisted before the 202, in the data volume.
    expect((await podman(['exec', MAIN, 'ls', '/data/live-events'])).stdout).toMatch(/journal/);
  });

  it('picks up a plugin copied into the mounted /plugins (hot reload), and a new one on SIGHUP', async () => {
    expect((await getJson(`${mainUrl}/api/integrations/hello`)).body).toMatchObject({ status: 'running', version: '1.0.0', reloads: 0 });
    cpSync(path.join(fixtures, 'hello-v2'), path.join(pluginsDir, 'hello'), { recursive: true });
    await eventually(
      async () => {
        const { body } = await getJson(`${mainUrl}/api/integrations/hello`);
        return body?.version === '2.0.0' && body?.status === 'running' && body?.reloads === 1;
      },
      'hello 2.0.0 to replace 1.0.0',
      60_000,
      200,
    );

    cpSync(path.join(fixtures, 'extra'), path.join(pluginsDir, 'extra'), { recursive: true });
    writeFileSync(path.join(configDir, 'marina.yaml'), hostConfig(true));
    await podman(['kill', '--signal', 'HUP', MAIN]);
    await eventually(async () => (await getJson(`${mainUrl}/api/integrations/extra`)).body?.status === 'running', 'the new plugin "extra" to run', 60_000, 200);
  });

  it('stops gracefully on podman stop: exit code 0 well before the kill timeout', async () => {
    const started = Date.now();
    await podman(['stop', '-t', '30', MAIN], { timeoutMs: 60_000 });
    const seconds = (Date.now() - started) / 1000;
    process.stdout.write(`podman stop took ${seconds.toFixed(1)} s\n`);
    // 137 would mean SIGKILL after the 30 s timeout; 0 is Marina's clean shutdown.
    expect(await inspect(MAIN, '{{.State.ExitCode}}')).toBe('0');
    expect(await logsOf(MAIN)).toMatch(/"clean":true,"msg":"shutdown complete"/);
  });

  it('runs `sail --once` as the GitHub Actions pipeline in deploy/ci does, exiting 0 when every integration completed', async () => {
    const workflow = parseYaml(readFileSync(path.join(repoRoot, 'deploy', 'ci', 'github-actions.yml'), 'utf8')) as any;
    const step = workflow.jobs.sail.steps.find((candidate: { run?: string }) => typeof candidate.run === 'string');
    const workspace = path.join(work, 'workspace');
    mkdirSync(path.join(workspace, 'marina'), { recursive: true });
    // No Port credentials: the embedded Port, so the run needs no network.
    writeFileSync(path.join(workspace, 'marina', 'marina.yaml'), ['integrations:', '  - identifier: fake-ci', '    type: fake', '    config: { entityCount: { fake-person: 10 } }', ''].join('\n'));
    const command = (step.run as string).replace(/^docker /, 'podman ');
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn('bash', ['-c', command], {
        env: { PATH: process.env['PATH'] ?? '', MARINA_IMAGE: IMAGE, GITHUB_WORKSPACE: workspace, PORT_CLIENT_ID: 'unused', PORT_CLIENT_SECRET: 'unused', GITHUB_TOKEN: 'unused' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('exit', (code) => resolve({ code, stderr }));
    });
    expect(result).toEqual({ code: 0, stderr: expect.stringContaining('fake-ci') });
  });

  it("runs one integration from Ocean's environment variables, listening on 0.0.0.0 and keeping its data in /data", async () => {
    await podman([
      'run', '-d', '--name', OCEAN, '--read-only', '-p', '127.0.0.1::8000',
      '-e', 'OCEAN__INTEGRATION__TYPE=fake',
      '-e', 'OCEAN__INTEGRATION__IDENTIFIER=ocean-fake',
      '-e', 'OCEAN__EVENT_LISTENER__TYPE=POLLING', // ONCE would exit after its resync
      '-e', 'OCEAN__INTEGRATION__CONFIG__ENTITY_COUNT={"fake-person":5}',
      IMAGE,
    ]);
    const url = await publishedUrl(OCEAN);
    await eventually(
      async () => {
        const { body } = await getJson(`${url}/api/integrations/ocean-fake`).catch(() => ({ body: null }));
        return body?.resync?.lastRun?.status === 'completed';
      },
      'the Ocean-configured integration to complete its resync',
      120_000,
      250,
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}\n--- container logs ---\n${await logsOf(OCEAN)}`);
    });
    expect((await podman(['exec', OCEAN, 'ls', '/data'])).stdout).toMatch(/emulator/);
    await podman(['stop', '-t', '30', OCEAN], { timeoutMs: 60_000 });
    expect(await inspect(OCEAN, '{{.State.ExitCode}}')).toBe('0');
  });
});
