import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnMarina } from '../support/marina-process.js';
import { eventually } from '../support/eventually.js';

/**
 * An Ocean env file with the ONCE listener, run by `bin/marina start` as a cron job or CI step
 * would: the process resyncs and exits, with `marina sail --once`'s exit codes.
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'marina-once-'));
  dirs.push(dir);
  return dir;
}

const oceanEnv = (config: Record<string, string>) => ({
  OCEAN__INTEGRATION__TYPE: 'fake',
  OCEAN__EVENT_LISTENER__TYPE: 'ONCE',
  OCEAN__INTEGRATION__CONFIG__ENTITY_COUNT: '{"fake-department": 2, "fake-person": 30, "fake-office": 2, "fake-team": 2, "fake-project": 3}',
  OCEAN__INTEGRATION__CONFIG__PAGE_SIZE: '10',
  MARINA_PLUGIN_DIRS: path.join(repoRoot, 'plugins'),
  APPLICATION__PORT: '0',
  ...Object.fromEntries(Object.entries(config).map(([name, value]) => [`OCEAN__INTEGRATION__CONFIG__${name}`, value])),
});

describe('marina start with the ONCE listener', () => {
  test("Ocean's variables: resyncs once and exits 0 when the resync completed", async () => {
    const marina = spawnMarina(['start'], { cwd: tempDir(), env: oceanEnv({}) });
    const code = await marina.exit(90_000);
    expect(marina.stderr()).toMatch(/^my-fake-integration: completed records=39 upserted=39 /m);
    expect(marina.stderr()).toContain('start: 1 integration resynced');
    expect(marina.logLines().some((line) => line.msg === 'every integration uses the ONCE listener: resyncing each once, then exiting')).toBe(true);
    expect(marina.logLines().some((line) => line.msg === 'shutdown complete')).toBe(true);
    expect(code).toBe(0);
  }, 120_000);

  test('exits 1 when the resync failed, naming the failing kind', async () => {
    const marina = spawnMarina(['start'], { cwd: tempDir(), env: oceanEnv({ FAIL_AT_PAGE: '2', FAIL_KIND: 'fake-person' }) });
    const code = await marina.exit(90_000);
    expect(marina.stderr()).toMatch(/^my-fake-integration: failed records=\d+/m);
    expect(marina.stderr()).toContain('fake-person: RESYNC_PLUGIN_FAILED');
    expect(marina.stderr()).toContain('start: 1 of 1 integration did not complete: my-fake-integration (failed)');
    expect(code).toBe(1);
  }, 120_000);

  test('beside a long-running listener the ONCE integration resyncs once at start and the process keeps running', async () => {
    const dir = tempDir();
    writeFileSync(
      path.join(dir, 'marina.yaml'),
      `server: { port: 0 }
plugins: { watch: false, directories: [${JSON.stringify(path.join(repoRoot, 'plugins'))}] }
integrations:
  - identifier: nightly
    type: fake
    eventListener: { type: ONCE }
    config: { entityCount: { fake-person: 10 } }
  - identifier: live
    type: fake
    eventListener: { type: WEBHOOKS_ONLY }
    config: { entityCount: { fake-person: 10 } }
`,
    );
    const marina = spawnMarina(['start', '--config', 'marina.yaml'], { cwd: dir });
    try {
      await marina.waitForOutput('"msg":"HTTP server listening"');
      const url = marina.logLines().find((line) => line.msg === 'HTTP server listening')!.url as string;
      let nightly: any;
      await eventually(
        async () => {
          nightly = await fetch(`${url}/api/integrations/nightly`).then((response) => response.json()).catch(() => undefined);
          return nightly?.resync?.lastRun?.status === 'completed';
        },
        "the ONCE integration's resync",
        60_000,
      );
      expect(nightly.resync).toMatchObject({ listener: 'ONCE', lastRun: { trigger: { source: 'listener' } } });
      const line = marina.logLines().find((entry) => String(entry.msg).startsWith('these integrations use the ONCE listener beside long-running ones'));
      expect(line).toMatchObject({ integrations: ['nightly'] });
      // Still serving after the ONCE run ended.
      expect((await fetch(`${url}/health/ready`)).status).toBe(200);
      expect(marina.child.exitCode).toBeNull();
    } finally {
      expect(await marina.stop('SIGTERM')).toBe(0);
    }
  }, 120_000);
});
